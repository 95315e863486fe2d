namespace Kaniko.CredProxy.Configuration;

internal static class SettingValues
{
    public static bool TryParseBool(string value, out bool result)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "on":
                result = true;
                return true;
            case "0" or "false" or "no" or "off":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    public static IReadOnlyList<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static IReadOnlyList<string> SplitPath(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split(':', StringSplitOptions.RemoveEmptyEntries);
}
