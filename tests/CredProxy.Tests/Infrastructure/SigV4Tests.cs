namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>The test stand-ins' SigV4 checker against the example from AWS's Signature Version 4 documentation (IAM ListUsers, 2015-08-30).</summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Signing_key_matches_the_documented_example() =>
        Assert.Equal(
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
            Convert.ToHexStringLower(SigV4.SigningKey(Secret, "20150830", "us-east-1", "iam")));

    [Fact]
    public void Signature_matches_the_documented_example()
    {
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8",
            ["host"] = "iam.amazonaws.com",
            ["x-amz-date"] = "20150830T123600Z",
        };
        var authorization = SigV4.Authorization(
            "GET", "/", "Action=ListUsers&Version=2010-05-08", headers, [], "AKIDEXAMPLE", Secret, "us-east-1", "iam",
            new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            authorization);
    }
}
