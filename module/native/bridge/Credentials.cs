// BG_AUTH_CREDENTIALS for SetCredentials: the strings are copied to unmanaged memory by the bridge
// (not by the marshaller) so that the password is zeroed before it is freed.
using System;
using System.Runtime.InteropServices;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    internal sealed class NativeCredentials : IDisposable
    {
        public BG_AUTH_CREDENTIALS Value;
        private readonly int passwordChars;

        public NativeCredentials(int target, int scheme, string userName, string password)
        {
            Value.Target = (BG_AUTH_TARGET)target;
            Value.Scheme = (BG_AUTH_SCHEME)scheme;
            Value.Credentials.Basic.UserName = userName == null ? IntPtr.Zero : Marshal.StringToCoTaskMemUni(userName);
            Value.Credentials.Basic.Password = password == null ? IntPtr.Zero : Marshal.StringToCoTaskMemUni(password);
            passwordChars = password?.Length ?? 0;
        }

        public void Dispose()
        {
            if (Value.Credentials.Basic.Password != IntPtr.Zero)
            {
                // Zero the characters and the terminator, then free.
                for (var i = 0; i < (passwordChars + 1) * 2; i++) Marshal.WriteByte(Value.Credentials.Basic.Password, i, 0);
                Marshal.FreeCoTaskMem(Value.Credentials.Basic.Password);
                Value.Credentials.Basic.Password = IntPtr.Zero;
            }
            if (Value.Credentials.Basic.UserName != IntPtr.Zero)
            {
                Marshal.FreeCoTaskMem(Value.Credentials.Basic.UserName);
                Value.Credentials.Basic.UserName = IntPtr.Zero;
            }
        }
    }
}
