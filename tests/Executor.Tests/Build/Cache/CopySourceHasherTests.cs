using Kaniko.Executor.Build.Cache;
using Kaniko.Executor.Build.Handlers;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Planning;
using Kaniko.TestKit;

namespace Kaniko.Executor.Tests.Build.Cache;

public sealed class CopySourceHasherTests : IDisposable
{
    private readonly TempDirectory _context = TempDirectory.Create("copy-hash");

    public CopySourceHasherTests()
    {
        Directory.CreateDirectory(_context.Combine("app", "lib"));
        File.WriteAllText(_context.Combine("app", "main.sh"), "echo main\n");
        File.WriteAllText(_context.Combine("app", "lib", "util.sh"), "echo util\n");
        File.WriteAllText(_context.Combine("app", "notes.log"), "ignored\n");
        File.WriteAllText(_context.Combine("other.txt"), "not copied\n");
        File.CreateSymbolicLink(_context.Combine("app", "link"), "main.sh");
    }

    public void Dispose() => _context.Dispose();

    private static CopyInstruction Copy(string line) =>
        (CopyInstruction)BuildPlanner.Plan($"FROM scratch\n{line}\n", "/ctx/Dockerfile", new Dictionary<string, string>(), target: null).Stages[0].Instructions[0];

    private string Hash(string line = "COPY app/ /app/") =>
        CopySourceHasher.Hash(
            Copy(line),
            new CopySource("the build context", _context.Path, path => path.EndsWith(".log", StringComparison.Ordinal)),
            SourcePattern.Matches,
            CancellationToken.None);

    [Fact]
    public void Content_of_any_copied_file_changes_the_digest()
    {
        var before = Hash();
        Assert.Equal(before, Hash());

        File.WriteAllText(_context.Combine("app", "lib", "util.sh"), "echo changed\n");
        Assert.NotEqual(before, Hash());
    }

    [Fact]
    public void Mode_changes_the_digest_but_modification_time_does_not()
    {
        var before = Hash();
        File.SetLastWriteTimeUtc(_context.Combine("app", "main.sh"), DateTime.UtcNow.AddDays(-3));
        Assert.Equal(before, Hash());

        File.SetUnixFileMode(_context.Combine("app", "main.sh"), File.GetUnixFileMode(_context.Combine("app", "main.sh")) | UnixFileMode.UserExecute);
        Assert.NotEqual(before, Hash());
    }

    [Fact]
    public void Files_the_copy_does_not_read_do_not_count()
    {
        var before = Hash();
        File.WriteAllText(_context.Combine("other.txt"), "changed\n");
        File.WriteAllText(_context.Combine("app", "notes.log"), "excluded by .dockerignore\n");
        Assert.Equal(before, Hash());

        File.WriteAllText(_context.Combine("app", "new.sh"), "new\n");
        Assert.NotEqual(before, Hash());
    }

    [Fact]
    public void A_link_counts_by_its_target_and_a_wildcard_by_what_it_matches()
    {
        var before = Hash();
        File.Delete(_context.Combine("app", "link"));
        File.CreateSymbolicLink(_context.Combine("app", "link"), "lib/util.sh");
        Assert.NotEqual(before, Hash());

        var pattern = Hash("COPY app/*.sh /bin/");
        File.WriteAllText(_context.Combine("app", "second.sh"), "echo 2\n");
        Assert.NotEqual(pattern, Hash("COPY app/*.sh /bin/"));
    }

    [Fact]
    public void A_heredoc_copy_counts_its_text_only()
    {
        var first = Hash("COPY <<EOF /greeting\nhello\nEOF");
        File.WriteAllText(_context.Combine("app", "main.sh"), "echo changed\n");
        Assert.Equal(first, Hash("COPY <<EOF /greeting\nhello\nEOF"));
        Assert.NotEqual(first, Hash("COPY <<EOF /greeting\nhello!\nEOF"));
    }
}
