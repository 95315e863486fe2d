using System.IO.Pipelines;
using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Tests.Routing;

public sealed class CoalescingBodyStreamTests
{
    [Fact]
    public async Task Small_blocks_are_handed_on_as_one_piece_and_the_end_of_the_body_passes_the_rest()
    {
        var pipe = new Pipe();
        await using var stream = new CoalescingBodyStream(pipe.Reader);
        var buffer = new byte[128 * 1024];
        var read = stream.ReadAsync(buffer).AsTask();

        for (var i = 0; i < 15; i++)
        {
            await pipe.Writer.WriteAsync(Enumerable.Repeat((byte)i, 4096).ToArray());
        }

        await Task.Delay(50);
        Assert.False(read.IsCompleted, "a read returned before a whole piece had arrived");

        // A piece or more has arrived: all of it is handed on (up to the reader's buffer).
        await pipe.Writer.WriteAsync(Enumerable.Repeat((byte)15, 4096 + 100).ToArray());
        Assert.Equal(CoalescingBodyStream.PieceSize + 100, await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(15, buffer[CoalescingBodyStream.PieceSize + 99]);

        // The rest is shorter than a piece: it comes once the body ends.
        await pipe.Writer.WriteAsync(new byte[100]);
        await pipe.Writer.CompleteAsync();
        Assert.Equal(100, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));
    }
}
