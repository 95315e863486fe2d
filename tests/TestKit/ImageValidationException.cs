namespace Kaniko.TestKit;

/// <summary>An image broke one or more rules; the message lists every problem found.</summary>
public sealed class ImageValidationException : Exception
{
    public ImageValidationException(string reference, IReadOnlyList<string> problems)
        : base($"{reference} is not a valid image:\n - " + string.Join("\n - ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
