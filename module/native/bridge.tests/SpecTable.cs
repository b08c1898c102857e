// Spec §1.2/§1.3/§1.4 transcribed as data: IIDs, methods in vtable order with their native
// parameters (direction + C type), and the methods that must be [PreserveSig]. Slot 3 is the first
// method after IUnknown's QueryInterface/AddRef/Release.
using System.Collections.Generic;
using System.Linq;

namespace Bits.Job2.Bridge.Tests
{
    internal sealed class SpecMethod
    {
        public int Slot;
        public string Name;
        public string[] Params; // "in ULONG", "out LPWSTR*", ...
        public bool PreserveSig;
    }

    internal sealed class SpecInterface
    {
        public string Name;
        public string Iid;
        public List<SpecMethod> Methods = new List<SpecMethod>();
    }

    internal static class SpecTable
    {
        // §1.4 rule 2, per interface.
        private static readonly Dictionary<string, string[]> PreserveSig = new Dictionary<string, string[]>
        {
            ["IBackgroundCopyJob"] = new[] { "Cancel", "Complete", "GetError" },
            ["IBackgroundCopyJob2"] = new[] { "Cancel", "Complete", "GetError", "GetReplyData", "RemoveCredentials" },
            ["IEnumBackgroundCopyJobs"] = new[] { "Next", "Skip" },
            ["IEnumBackgroundCopyFiles"] = new[] { "Next", "Skip" },
            ["IBackgroundCopyError"] = new[] { "GetFile", "GetProtocol" },
            ["IBackgroundCopyManager"] = new string[0],
            ["IBackgroundCopyFile"] = new string[0],
        };

        private static readonly (string, string[])[] Job = {
            ("AddFileSet", new[] { "in ULONG", "in BG_FILE_INFO[]" }),
            ("AddFile", new[] { "in LPCWSTR", "in LPCWSTR" }),
            ("EnumFiles", new[] { "out IEnumBackgroundCopyFiles**" }),
            ("Suspend", new string[0]),
            ("Resume", new string[0]),
            ("Cancel", new string[0]),
            ("Complete", new string[0]),
            ("GetId", new[] { "out GUID*" }),
            ("GetType", new[] { "out BG_JOB_TYPE*" }),
            ("GetProgress", new[] { "out BG_JOB_PROGRESS*" }),
            ("GetTimes", new[] { "out BG_JOB_TIMES*" }),
            ("GetState", new[] { "out BG_JOB_STATE*" }),
            ("GetError", new[] { "out IBackgroundCopyError**" }),
            ("GetOwner", new[] { "out LPWSTR*" }),
            ("SetDisplayName", new[] { "in LPCWSTR" }),
            ("GetDisplayName", new[] { "out LPWSTR*" }),
            ("SetDescription", new[] { "in LPCWSTR" }),
            ("GetDescription", new[] { "out LPWSTR*" }),
            ("SetPriority", new[] { "in BG_JOB_PRIORITY" }),
            ("GetPriority", new[] { "out BG_JOB_PRIORITY*" }),
            ("SetNotifyFlags", new[] { "in ULONG" }),
            ("GetNotifyFlags", new[] { "out ULONG*" }),
            ("SetNotifyInterface", new[] { "in IUnknown*" }),
            ("GetNotifyInterface", new[] { "out IUnknown**" }),
            ("SetMinimumRetryDelay", new[] { "in ULONG" }),
            ("GetMinimumRetryDelay", new[] { "out ULONG*" }),
            ("SetNoProgressTimeout", new[] { "in ULONG" }),
            ("GetNoProgressTimeout", new[] { "out ULONG*" }),
            ("GetErrorCount", new[] { "out ULONG*" }),
            ("SetProxySettings", new[] { "in BG_JOB_PROXY_USAGE", "in LPCWSTR", "in LPCWSTR" }),
            ("GetProxySettings", new[] { "out BG_JOB_PROXY_USAGE*", "out LPWSTR*", "out LPWSTR*" }),
            ("TakeOwnership", new string[0]),
        };

        private static readonly (string, string[])[] Job2Own = {
            ("SetNotifyCmdLine", new[] { "in LPCWSTR", "in LPCWSTR" }),
            ("GetNotifyCmdLine", new[] { "out LPWSTR*", "out LPWSTR*" }),
            ("GetReplyProgress", new[] { "inout BG_JOB_REPLY_PROGRESS*" }),
            ("GetReplyData", new[] { "out byte**", "inout UINT64*" }),
            ("SetReplyFileName", new[] { "in LPCWSTR" }),
            ("GetReplyFileName", new[] { "out LPWSTR*" }),
            ("SetCredentials", new[] { "in BG_AUTH_CREDENTIALS*" }),
            ("RemoveCredentials", new[] { "in BG_AUTH_TARGET", "in BG_AUTH_SCHEME" }),
        };

        private static (string, string[])[] Enum(string element, string self) => new[] {
            ("Next", new[] { "in ULONG", $"out {element}*[]", "inout ULONG*" }),
            ("Skip", new[] { "in ULONG" }),
            ("Reset", new string[0]),
            ("Clone", new[] { $"out {self}**" }),
            ("GetCount", new[] { "out ULONG*" }),
        };

        public static readonly SpecInterface[] Interfaces = {
            Make("IBackgroundCopyManager", "5ce34c0d-0dc9-4c1f-897c-daa1b78cee7c", new[] {
                ("CreateJob", new[] { "in LPCWSTR", "in BG_JOB_TYPE", "out GUID*", "out IBackgroundCopyJob**" }),
                ("GetJob", new[] { "in REFGUID", "out IBackgroundCopyJob**" }),
                ("EnumJobs", new[] { "in DWORD", "out IEnumBackgroundCopyJobs**" }),
                ("GetErrorDescription", new[] { "in HRESULT", "in DWORD", "out LPWSTR*" }),
            }),
            Make("IBackgroundCopyJob", "37668d37-507e-4160-9316-26306d150b12", Job),
            Make("IBackgroundCopyJob2", "54b50739-686f-45eb-9dff-d6a9a0faa9af", Job.Concat(Job2Own).ToArray()),
            Make("IEnumBackgroundCopyJobs", "1af4f612-3b71-466f-8f58-7b6f73ac57ad", Enum("IBackgroundCopyJob", "IEnumBackgroundCopyJobs")),
            Make("IBackgroundCopyFile", "01b7bd23-fb88-4a77-8490-5891d3e4653a", new[] {
                ("GetRemoteName", new[] { "out LPWSTR*" }),
                ("GetLocalName", new[] { "out LPWSTR*" }),
                ("GetProgress", new[] { "out BG_FILE_PROGRESS*" }),
            }),
            Make("IEnumBackgroundCopyFiles", "ca51e165-c365-424c-8d41-24aaa4ff3c40", Enum("IBackgroundCopyFile", "IEnumBackgroundCopyFiles")),
            Make("IBackgroundCopyError", "19c613a0-fcb8-4f28-81ae-897c3d078f81", new[] {
                ("GetError", new[] { "out BG_ERROR_CONTEXT*", "out HRESULT*" }),
                ("GetFile", new[] { "out IBackgroundCopyFile**" }),
                ("GetErrorDescription", new[] { "in DWORD", "out LPWSTR*" }),
                ("GetErrorContextDescription", new[] { "in DWORD", "out LPWSTR*" }),
                ("GetProtocol", new[] { "out LPWSTR*" }),
            }),
        };

        private static SpecInterface Make(string name, string iid, (string, string[])[] methods)
        {
            var i = new SpecInterface { Name = name, Iid = iid };
            var slot = 3;
            foreach (var (m, ps) in methods)
                i.Methods.Add(new SpecMethod { Slot = slot++, Name = m, Params = ps, PreserveSig = PreserveSig[name].Contains(m) });
            return i;
        }

        public static SpecInterface Get(string name) => Interfaces.Single(i => i.Name == name);
    }
}
