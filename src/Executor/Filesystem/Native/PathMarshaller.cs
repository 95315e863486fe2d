using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace Kaniko.Executor.Filesystem.Native;

/// <summary>
/// Marshals path strings for <see cref="LibC"/> with <see cref="PathEncoding"/>: UTF-8, except that escaped bytes of
/// names that are not valid UTF-8 go back to the kernel as the original bytes. Short paths use a stack buffer.
/// </summary>
[CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(ManagedToUnmanagedIn))]
internal static unsafe class PathMarshaller
{
    public ref struct ManagedToUnmanagedIn
    {
        private byte* _native;
        private bool _allocated;

        public static int BufferSize => 0x200;

        public void FromManaged(string? managed, Span<byte> buffer)
        {
            if (managed is null)
            {
                _native = null;
                return;
            }

            var needed = PathEncoding.MaxByteCount(managed) + 1;
            if (needed > buffer.Length)
            {
                buffer = new Span<byte>(NativeMemory.Alloc((nuint)needed), needed);
                _allocated = true;
            }

            var count = PathEncoding.Encode(managed, buffer);
            buffer[count] = 0;
            _native = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer));
        }

        public readonly byte* ToUnmanaged() => _native;

        public readonly void Free()
        {
            if (_allocated)
            {
                NativeMemory.Free(_native);
            }
        }
    }
}
