using System.Globalization;

namespace Kaniko.Executor.Dockerfile.Instructions;

/// <summary>Go's time.ParseDuration syntax ("1h30m", "1.5s", "300ms"), which HEALTHCHECK flags use.</summary>
internal static class GoDuration
{
    private static readonly (string Unit, decimal Ticks)[] _units =
    [
        ("ns", 0.01m),
        ("us", 10m),
        ("µs", 10m),
        ("μs", 10m),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal totalTicks = 0;
        while (!s.IsEmpty)
        {
            var numberEnd = 0;
            var sawDigit = false;
            while (numberEnd < s.Length && (char.IsAsciiDigit(s[numberEnd]) || s[numberEnd] == '.'))
            {
                sawDigit |= char.IsAsciiDigit(s[numberEnd]);
                numberEnd++;
            }

            if (!sawDigit || !decimal.TryParse(s[..numberEnd], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            // Anything this large overflows Go's int64 nanoseconds as well.
            if (number > 1e15m)
            {
                return false;
            }

            s = s[numberEnd..];
            var unitEnd = 0;
            while (unitEnd < s.Length && s[unitEnd] != '.' && !char.IsAsciiDigit(s[unitEnd]))
            {
                unitEnd++;
            }

            var unit = s[..unitEnd].ToString();
            var scale = _units.FirstOrDefault(candidate => candidate.Unit == unit).Ticks;
            if (scale == 0)
            {
                return false;
            }

            totalTicks += number * scale;
            if (totalTicks > long.MaxValue)
            {
                return false;
            }

            s = s[unitEnd..];
        }

        // Sub-tick durations stay non-zero so that range checks still see them.
        var ticks = (long)Math.Round(totalTicks);
        duration = TimeSpan.FromTicks(ticks == 0 && totalTicks > 0 ? 1 : ticks);
        if (negative)
        {
            duration = -duration;
        }

        return true;
    }
}
