// Structures of BITS (spec §2.3): sequential, natural alignment, so the same declaration gives the
// x64 and the x86 offsets of the spec (pointer-sized fields are 8 or 4 bytes).
using System;
using System.Runtime.InteropServices;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;

namespace Bits.Job2.Bridge.Interop
{
    /// <summary>x64: RemoteName @0, LocalName @8, size 16; x86: @0, @4, size 8.</summary>
    [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
    internal struct BG_FILE_INFO
    {
        [MarshalAs(UnmanagedType.LPWStr)] public string RemoteName;
        [MarshalAs(UnmanagedType.LPWStr)] public string LocalName;
    }

    /// <summary>24 bytes on both.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_JOB_PROGRESS
    {
        public ulong BytesTotal;
        public ulong BytesTransferred;
        public uint FilesTotal;
        public uint FilesTransferred;
    }

    /// <summary>24 bytes on both (BOOL Completed @16 + 4 bytes of padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_FILE_PROGRESS
    {
        public ulong BytesTotal;
        public ulong BytesTransferred;
        [MarshalAs(UnmanagedType.Bool)] public bool Completed;
    }

    /// <summary>Three FILETIMEs, 24 bytes on both.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_JOB_TIMES
    {
        public FILETIME CreationTime;
        public FILETIME ModificationTime;
        public FILETIME TransferCompletionTime;
    }

    /// <summary>16 bytes on both.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_JOB_REPLY_PROGRESS
    {
        public ulong BytesTotal;
        public ulong BytesTransferred;
    }

    /// <summary>
    /// Pointers, not strings: the bridge allocates them itself so that the password buffer is zeroed
    /// before it is freed (see Credentials.cs). x64: @0, @8, size 16; x86: @0, @4, size 8.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_BASIC_CREDENTIALS
    {
        public IntPtr UserName;
        public IntPtr Password;
    }

    /// <summary>The union has one member: every scheme (1–5) uses Basic.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_AUTH_CREDENTIALS_UNION
    {
        public BG_BASIC_CREDENTIALS Basic;
    }

    /// <summary>x64: Target @0, Scheme @4, Credentials @8, size 24; x86: @0, @4, @8, size 16.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BG_AUTH_CREDENTIALS
    {
        public BG_AUTH_TARGET Target;
        public BG_AUTH_SCHEME Scheme;
        public BG_AUTH_CREDENTIALS_UNION Credentials;
    }
}
