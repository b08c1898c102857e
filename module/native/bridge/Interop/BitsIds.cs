// COM identities of BITS (spec §1.1, §1.2). Native names live only under Interop/.
using System;

namespace Bits.Job2.Bridge.Interop
{
    internal static class BitsIds
    {
        public const string CLSID_BackgroundCopyManager = "4991d34b-80a1-4291-83b6-3328366b9097";

        public const string IID_IBackgroundCopyManager = "5ce34c0d-0dc9-4c1f-897c-daa1b78cee7c";
        public const string IID_IBackgroundCopyJob = "37668d37-507e-4160-9316-26306d150b12";
        public const string IID_IBackgroundCopyJob2 = "54b50739-686f-45eb-9dff-d6a9a0faa9af";
        public const string IID_IEnumBackgroundCopyJobs = "1af4f612-3b71-466f-8f58-7b6f73ac57ad";
        public const string IID_IBackgroundCopyFile = "01b7bd23-fb88-4a77-8490-5891d3e4653a";
        public const string IID_IEnumBackgroundCopyFiles = "ca51e165-c365-424c-8d41-24aaa4ff3c40";
        public const string IID_IBackgroundCopyError = "19c613a0-fcb8-4f28-81ae-897c3d078f81";

        public static readonly Guid ClsidBackgroundCopyManager = new Guid(CLSID_BackgroundCopyManager);
        public static readonly Guid IidBackgroundCopyManager = new Guid(IID_IBackgroundCopyManager);

        /// <summary>CLSCTX_LOCAL_SERVER: BITS runs in its own service process.</summary>
        public const uint CLSCTX_LOCAL_SERVER = 0x4;
    }
}
