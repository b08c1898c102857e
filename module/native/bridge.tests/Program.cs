// Linux-side verification of the BITS bridge: interop declarations against spec §1.3/§1.4 (by
// reflection), struct layouts against §2.3 (x64 measured, x86 computed), every conversion, and the
// edge-js entry point off Windows (REGDB_E_CLASSNOTREG envelope). It does NOT exercise BITS itself:
// that happens only on Windows.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Bits.Job2.Bridge.Interop;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;
using static Bits.Job2.Bridge.Tests.T;

namespace Bits.Job2.Bridge.Tests
{
    internal static class Program
    {
        private static int Main()
        {
            Console.WriteLine($"Bits.Job2.Bridge tests on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}, {IntPtr.Size * 8}-bit)");
            Interfaces();
            Structs();
            ConversionTests();
            BridgeTests();
            ExceptionMapping.Run();
            NextRetry.Run();
            Summary();
            return Failed == 0 ? 0 : 1;
        }

        private static readonly Dictionary<string, Type> Declared = new Dictionary<string, Type>
        {
            ["IBackgroundCopyManager"] = typeof(IBackgroundCopyManager),
            ["IBackgroundCopyJob"] = typeof(IBackgroundCopyJob),
            ["IBackgroundCopyJob2"] = typeof(IBackgroundCopyJob2),
            ["IEnumBackgroundCopyJobs"] = typeof(IEnumBackgroundCopyJobs),
            ["IBackgroundCopyFile"] = typeof(IBackgroundCopyFile),
            ["IEnumBackgroundCopyFiles"] = typeof(IEnumBackgroundCopyFiles),
            ["IBackgroundCopyError"] = typeof(IBackgroundCopyError),
        };

        private static void Interfaces()
        {
            Console.WriteLine("interop interfaces vs spec §1.3/§1.4");
            foreach (var spec in SpecTable.Interfaces)
                Test($"{spec.Name}: IID, IUnknown-based, {spec.Methods.Count} methods in vtable order with spec signatures and PreserveSig", () =>
                {
                    var problems = InterfaceCheck.Check(Declared[spec.Name], spec);
                    True(problems.Count == 0, string.Join("\n", problems));
                });
            Test("IBackgroundCopyJob2 re-declares all 32 base methods first, then its 8 (slots 3–42)", () =>
            {
                var names = InterfaceCheck.VtableMethods(typeof(IBackgroundCopyJob2)).Select(m => m.Name).ToArray();
                Eq(40, names.Length, "method count");
                True(names.Take(32).SequenceEqual(InterfaceCheck.VtableMethods(typeof(IBackgroundCopyJob)).Select(m => m.Name)), "first 32 = IBackgroundCopyJob");
                Eq("SetNotifyCmdLine", names[32], "slot 35");
                Eq("RemoveCredentials", names[39], "slot 42");
            });
            Test("the spec table has the §1.3 slot numbers (AddFileSet 3, TakeOwnership 34, SetNotifyCmdLine 35, RemoveCredentials 42)", () =>
            {
                var j2 = SpecTable.Get("IBackgroundCopyJob2").Methods;
                Eq(3, j2.Single(m => m.Name == "AddFileSet").Slot);
                Eq(34, j2.Single(m => m.Name == "TakeOwnership").Slot);
                Eq(35, j2.Single(m => m.Name == "SetNotifyCmdLine").Slot);
                Eq(38, j2.Single(m => m.Name == "GetReplyData").Slot);
                Eq(42, j2.Single(m => m.Name == "RemoveCredentials").Slot);
            });
            Test("CLSID_BackgroundCopyManager is {4991d34b-80a1-4291-83b6-3328366b9097}", () =>
                Eq(new Guid("4991d34b-80a1-4291-83b6-3328366b9097"), BitsIds.ClsidBackgroundCopyManager));

            Console.WriteLine("the check can fail");
            Test("a reordered IBackgroundCopyJob2 (GetReplyProgress/GetReplyData swapped) is reported at slots 37 and 38", () =>
            {
                var problems = InterfaceCheck.Check(typeof(IBackgroundCopyJob2Reordered), SpecTable.Get("IBackgroundCopyJob2"));
                True(problems.Any(p => p.Contains("slot 37") && p.Contains("GetReplyData")), "slot 37 not reported:\n" + string.Join("\n", problems));
                True(problems.Any(p => p.Contains("slot 38") && p.Contains("GetReplyProgress")), "slot 38 not reported:\n" + string.Join("\n", problems));
                True(problems.All(p => p.Contains("slot 37") || p.Contains("slot 38")), "unexpected reports:\n" + string.Join("\n", problems));
            });
            Test("an IBackgroundCopyJob2 that does not re-declare its base methods is reported", () =>
            {
                var problems = InterfaceCheck.Check(typeof(IBackgroundCopyJob2NoBase), SpecTable.Get("IBackgroundCopyJob2"));
                True(problems.Any(p => p.Contains("declares 8 methods, spec has 40")), string.Join("\n", problems));
                True(problems.Any(p => p.Contains("slot 3:") && p.Contains("SetNotifyCmdLine")), string.Join("\n", problems));
            });
            Test("an IBackgroundCopyError without [PreserveSig] on GetProtocol is reported", () =>
            {
                var problems = InterfaceCheck.Check(typeof(IBackgroundCopyErrorNoPreserveSig), SpecTable.Get("IBackgroundCopyError"));
                True(problems.Count == 2 && problems.All(p => p.Contains("slot 7 GetProtocol")), string.Join("\n", problems));
            });
            Test("a wrong IID is reported", () =>
            {
                var wrong = new SpecInterface { Name = "X", Iid = "00000000-0000-0000-0000-000000000001", Methods = SpecTable.Get("IBackgroundCopyFile").Methods };
                True(InterfaceCheck.Check(typeof(IBackgroundCopyFile), wrong).Any(p => p.Contains("IID")), "IID mismatch not reported");
            });
        }

        // spec §2.3: (field, x64 offset, x86 offset), x64 size, x86 size
        private static readonly (Type type, (string field, int x64, int x86)[] fields, int size64, int size86)[] StructSpec =
        {
            (typeof(BG_FILE_INFO), new[] { ("RemoteName", 0, 0), ("LocalName", 8, 4) }, 16, 8),
            (typeof(BG_JOB_PROGRESS), new[] { ("BytesTotal", 0, 0), ("BytesTransferred", 8, 8), ("FilesTotal", 16, 16), ("FilesTransferred", 20, 20) }, 24, 24),
            (typeof(BG_FILE_PROGRESS), new[] { ("BytesTotal", 0, 0), ("BytesTransferred", 8, 8), ("Completed", 16, 16) }, 24, 24),
            (typeof(BG_JOB_TIMES), new[] { ("CreationTime", 0, 0), ("ModificationTime", 8, 8), ("TransferCompletionTime", 16, 16) }, 24, 24),
            (typeof(BG_JOB_REPLY_PROGRESS), new[] { ("BytesTotal", 0, 0), ("BytesTransferred", 8, 8) }, 16, 16),
            (typeof(BG_BASIC_CREDENTIALS), new[] { ("UserName", 0, 0), ("Password", 8, 4) }, 16, 8),
            (typeof(BG_AUTH_CREDENTIALS_UNION), new[] { ("Basic", 0, 0) }, 16, 8),
            (typeof(BG_AUTH_CREDENTIALS), new[] { ("Target", 0, 0), ("Scheme", 4, 4), ("Credentials", 8, 8) }, 24, 16),
        };

        private static void Structs()
        {
            Console.WriteLine("struct layouts vs spec §2.3");
            True(IntPtr.Size == 8, "these checks expect a 64-bit process");
            foreach (var (type, fields, size64, size86) in StructSpec)
            {
                Test($"{type.Name}: x64 measured by Marshal.SizeOf/OffsetOf = {size64} bytes, {string.Join(", ", fields.Select(f => $"{f.field}@{f.x64}"))}", () =>
                {
                    Eq(size64, Marshal.SizeOf(type), "SizeOf");
                    foreach (var (f, x64, _) in fields) Eq(x64, (int)Marshal.OffsetOf(type, f), $"OffsetOf({f})");
                });
                Test($"{type.Name}: x86 computed (pointer size 4) = {size86} bytes, {string.Join(", ", fields.Select(f => $"{f.field}@{f.x86}"))}", () =>
                {
                    var r64 = Layout.Compute(type, 8);
                    Eq(Marshal.SizeOf(type), r64.Size, "calculator agrees with the runtime (size, x64)");
                    foreach (var (f, _, _) in fields) Eq((int)Marshal.OffsetOf(type, f), r64.Offsets[f], $"calculator agrees with the runtime ({f}, x64)");
                    var r86 = Layout.Compute(type, 4);
                    Eq(size86, r86.Size, "size x86");
                    foreach (var (f, _, x86) in fields) Eq(x86, r86.Offsets[f], $"{f} x86");
                });
            }
            Test("the layout check can fail: BG_FILE_PROGRESS declared with Pack = 4 is 20 bytes, not 24", () =>
            {
                Eq(20, Marshal.SizeOf<BadPackedFileProgress>(), "runtime");
                Eq(20, Layout.Compute(typeof(BadPackedFileProgress), 4).Size, "calculator");
            });
            Test("all BITS enums are 32-bit", () =>
            {
                foreach (var e in new[] { typeof(BG_JOB_STATE), typeof(BG_JOB_PRIORITY), typeof(BG_JOB_TYPE), typeof(BG_JOB_PROXY_USAGE), typeof(BG_ERROR_CONTEXT), typeof(BG_AUTH_TARGET), typeof(BG_AUTH_SCHEME) })
                    Eq(typeof(int), Enum.GetUnderlyingType(e), e.Name);
            });
            Test("enum values of spec §2.2", () =>
            {
                Eq(8, (int)BG_JOB_STATE.BG_JOB_STATE_CANCELLED);
                Eq(5, (int)BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR);
                Eq(2, (int)BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY);
                Eq(3, (int)BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_AUTODETECT);
                Eq(7, (int)BG_ERROR_CONTEXT.BG_ERROR_CONTEXT_REMOTE_APPLICATION);
                Eq(2, (int)BG_AUTH_TARGET.BG_AUTH_TARGET_PROXY);
                Eq(5, (int)BG_AUTH_SCHEME.BG_AUTH_SCHEME_PASSPORT);
                Eq(ulong.MaxValue, BitsConstants.BG_SIZE_UNKNOWN);
            });
        }

        private static FILETIME Ft(ulong v) => new FILETIME { dwLowDateTime = unchecked((int)(uint)v), dwHighDateTime = unchecked((int)(uint)(v >> 32)) };

        private static void ConversionTests()
        {
            Console.WriteLine("conversions");
            Test("BG_SIZE_UNKNOWN → null; other sizes → exact doubles / longs", () =>
            {
                Eq(null, Conversions.SizeToNumber(ulong.MaxValue));
                Eq(null, Conversions.SizeToLong(ulong.MaxValue));
                Eq((object)0d, Conversions.SizeToNumber(0));
                Eq((object)9007199254740991d, Conversions.SizeToNumber(9007199254740991UL));
                Eq((long?)1048576, Conversions.SizeToLong(1048576));
                Eq((object)(double)(ulong.MaxValue - 1), Conversions.SizeToNumber(ulong.MaxValue - 1)); // not null: only −1 is unknown
            });
            Test("FILETIME 0 → null", () =>
            {
                Eq(null, Conversions.FileTimeToIso(0UL));
                Eq(null, Conversions.FileTimeToIso(new FILETIME()));
            });
            Test("known FILETIMEs → ISO-8601 UTC", () =>
            {
                Eq("1970-01-01T00:00:00.000Z", Conversions.FileTimeToIso(116444736000000000UL));
                Eq("2024-01-02T03:04:05.678Z", Conversions.FileTimeToIso(133486382456780000UL));
                Eq("2024-01-02T03:04:05.678Z", Conversions.FileTimeToIso(Ft(133486382456780000UL)), "FILETIME struct");
                Eq("1601-01-01T00:00:00.000Z", Conversions.FileTimeToIso(1UL), "1 tick (sub-ms truncated)");
            });
            Test("FILETIME halves with the sign bit set are read unsigned", () =>
            {
                const ulong v = 0x01DA3D28_80000000UL;
                Eq(Conversions.FileTimeToIso(v), Conversions.FileTimeToIso(Ft(v)));
                True(Conversions.FileTimeToIso(v).StartsWith("2024-01-"), Conversions.FileTimeToIso(v));
            });
            Test("GUID → canonical lower-case string without braces; parsing accepts braces and upper case", () =>
            {
                var g = new Guid("54B50739-686F-45EB-9DFF-D6A9A0FAA9AF");
                Eq("54b50739-686f-45eb-9dff-d6a9a0faa9af", Conversions.GuidToString(g));
                Eq(g, Conversions.ParseGuid("{54B50739-686F-45EB-9DFF-D6A9A0FAA9AF}"));
                Eq(g, Conversions.ParseGuid("54b50739-686f-45eb-9dff-d6a9a0faa9af"));
                Throws<BridgeArgumentException>(() => Conversions.ParseGuid("not-a-guid"));
                Throws<BridgeArgumentException>(() => Conversions.ParseGuid(null));
            });
            Test("HRESULT → unsigned (and back)", () =>
            {
                Eq(0x80040154u, Conversions.HResultToUnsigned(unchecked((int)0x80040154)));
                Eq(1u, Conversions.HResultToUnsigned(1));
                Eq(0x0020001Au, Conversions.HResultToUnsigned(0x0020001A));
                Eq(unchecked((int)0x80200020), Conversions.HResultToSigned(2149580832d));
                Eq(unchecked((int)0x80200020), Conversions.HResultToSigned(-2145386464d));
                Eq("0x80040154", Conversions.HResultHex(0x80040154u));
                Throws<BridgeArgumentException>(() => Conversions.HResultToSigned(4294967296d));
            });
            foreach (var size in new[] { 0, 1, 1 << 20 })
                Test($"reply data of {size} B is copied and freed exactly once", () =>
                {
                    var src = new byte[size];
                    new Random(size).NextBytes(src);
                    var buf = Marshal.AllocCoTaskMem(Math.Max(size, 1));
                    if (size > 0) Marshal.Copy(src, 0, buf, size);
                    var freed = new List<IntPtr>();
                    var copy = Conversions.CopyAndFreeReply(buf, (ulong)size, p => { freed.Add(p); Marshal.FreeCoTaskMem(p); });
                    Eq(size, copy.Length, "length");
                    True(copy.SequenceEqual(src), "bytes differ");
                    Eq(1, freed.Count, "free calls");
                    Eq(buf, freed[0], "freed pointer");
                });
            Test("a NULL reply buffer (no reply) gives 0 bytes and is not freed", () =>
            {
                var calls = 0;
                var copy = Conversions.CopyAndFreeReply(IntPtr.Zero, 0, _ => calls++);
                Eq(0, copy.Length);
                Eq(0, calls, "free calls");
            });
            Test("the reply buffer is freed even when the copy fails", () =>
            {
                var calls = 0;
                var buf = Marshal.AllocCoTaskMem(1);
                Throws<BridgeArgumentException>(() => Conversions.CopyAndFreeReply(buf, (ulong)int.MaxValue + 1, p => { calls++; Marshal.FreeCoTaskMem(p); }));
                Eq(1, calls, "free calls");
            });
            const string nonAscii = "Zürich/日本語/😀 – \u00e9t\u00e9 C:\\Ωmega\\файл.txt";
            Test("non-ASCII strings round trip through BG_FILE_INFO (LPWStr) marshalling", () =>
            {
                var info = new BG_FILE_INFO { RemoteName = "https://example.test/" + nonAscii, LocalName = "C:\\tmp\\" + nonAscii };
                var p = Marshal.AllocHGlobal(Marshal.SizeOf<BG_FILE_INFO>());
                try
                {
                    Marshal.StructureToPtr(info, p, false);
                    Eq(info.RemoteName, Marshal.PtrToStringUni(Marshal.ReadIntPtr(p, 0)), "RemoteName as UTF-16 at offset 0");
                    Eq(info.LocalName, Marshal.PtrToStringUni(Marshal.ReadIntPtr(p, IntPtr.Size)), "LocalName as UTF-16 at offset 8");
                    var back = Marshal.PtrToStructure<BG_FILE_INFO>(p);
                    Eq(info.RemoteName, back.RemoteName);
                    Eq(info.LocalName, back.LocalName);
                    Marshal.DestroyStructure<BG_FILE_INFO>(p);
                }
                finally { Marshal.FreeHGlobal(p); }
            });
            Test("non-ASCII credentials are passed as UTF-16; NULL stays NULL; buffers are released on dispose", () =>
            {
                var c = new NativeCredentials(1, 1, "dom\\" + nonAscii, "pässwörd😀");
                Eq(BG_AUTH_TARGET.BG_AUTH_TARGET_SERVER, c.Value.Target);
                Eq(BG_AUTH_SCHEME.BG_AUTH_SCHEME_BASIC, c.Value.Scheme);
                Eq("dom\\" + nonAscii, Marshal.PtrToStringUni(c.Value.Credentials.Basic.UserName));
                Eq("pässwörd😀", Marshal.PtrToStringUni(c.Value.Credentials.Basic.Password));
                c.Dispose();
                Eq(IntPtr.Zero, c.Value.Credentials.Basic.UserName);
                Eq(IntPtr.Zero, c.Value.Credentials.Basic.Password);
                var implicitCreds = new NativeCredentials(2, 3, null, null);
                Eq(IntPtr.Zero, implicitCreds.Value.Credentials.Basic.UserName);
                Eq(IntPtr.Zero, implicitCreds.Value.Credentials.Basic.Password);
                implicitCreds.Dispose();
            });
            Test("envelope numbers (int, long, double) → uint/int with range checks", () =>
            {
                Eq(5u, Conversions.ToUInt32(5, "x"));
                Eq(600u, Conversions.ToUInt32(600d, "x"));
                Eq(4294967295u, Conversions.ToUInt32(4294967295L, "x"));
                Throws<BridgeArgumentException>(() => Conversions.ToUInt32(-1, "x"));
                Throws<BridgeArgumentException>(() => Conversions.ToUInt32(1.5, "x"));
                Throws<BridgeArgumentException>(() => Conversions.ToUInt32("5", "x"));
                Eq(-3, Conversions.ToInt32(-3d, "x"));
            });
        }

        private static void Throws<TE>(Action a) where TE : Exception
        {
            try { a(); }
            catch (TE) { return; }
            throw new Exception($"expected {typeof(TE).Name}");
        }

        private static Dictionary<string, object> Call(Bridge b, string op, params object[] args) =>
            (Dictionary<string, object>)b.Invoke(new Dictionary<string, object> { ["op"] = op, ["args"] = args }).GetAwaiter().GetResult();

        private static string FindRepoFile(string relative)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, relative);
                if (File.Exists(p)) return p;
            }
            throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
        }

        private static void BridgeTests()
        {
            Console.WriteLine("edge-js entry point (off Windows)");
            var backendMethods = new List<string>();
            Test("the dispatch table has exactly the port methods of module/api/operations.ts (BACKEND_METHODS)", () =>
            {
                var src = File.ReadAllText(FindRepoFile(Path.Combine("module", "api", "operations.ts")));
                backendMethods.AddRange(Regex.Matches(src, @"port: \{ method: '(\w+)'").Select(m => m.Groups[1].Value));
                True(backendMethods.Count >= 24, $"parsed only {backendMethods.Count} names");
                var ops = Bridge.Operations.OrderBy(x => x, StringComparer.Ordinal).ToArray();
                var want = backendMethods.OrderBy(x => x, StringComparer.Ordinal).ToArray();
                True(ops.SequenceEqual(want), $"bridge: {string.Join(",", ops.Except(want))} extra; missing: {string.Join(",", want.Except(ops))}");
            });
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Console.WriteLine("  (Windows: the REGDB_E_CLASSNOTREG checks do not apply; BITS is exercised by the Windows workflow)");
                return;
            }
            var bridge = new Bridge();
            foreach (var op in backendMethods.DefaultIfEmpty("createJob"))
                Test($"{op} returns the REGDB_E_CLASSNOTREG (0x80040154) error envelope and does not throw", () =>
                {
                    var args = op == "createJob" ? new object[] { "x", 0 }
                        : op == "listJobs" ? new object[] { new Dictionary<string, object> { ["allUsers"] = false } }
                        : op == "getErrorDescription" ? new object[] { 2149580801d }
                        : new object[] { "54b50739-686f-45eb-9dff-d6a9a0faa9af", "displayName", "x", null };
                    var r = Call(bridge, op, args);
                    Eq(false, r["ok"], "ok");
                    var e = (Dictionary<string, object>)r["error"];
                    Eq(2147746132d, e["hresult"], "hresult (unsigned)");
                    Eq("0x80040154", e["hresultHex"]);
                    Eq("REGDB_E_CLASSNOTREG", e["name"]);
                    Eq(0, e["context"], "context");
                    Eq("CoCreateInstance(BackgroundCopyManager)", e["method"]);
                    var msg = (string)e["message"];
                    True(msg.Contains("BITS is not available on this platform") && msg.Contains("BITS_JOB2_BACKEND=portable"), msg);
                });
            Test("a malformed envelope gives E_INVALIDARG, not an exception", () =>
            {
                var r = (Dictionary<string, object>)bridge.Invoke("nonsense").GetAwaiter().GetResult();
                Eq(false, r["ok"]);
                Eq((double)0x80070057u, ((Dictionary<string, object>)r["error"])["hresult"]);
                var r2 = Call(bridge, "noSuchOperation");
                Eq((double)0x80070057u, ((Dictionary<string, object>)r2["error"])["hresult"]);
                True(((string)((Dictionary<string, object>)r2["error"])["message"]).Contains("noSuchOperation"), "message names the operation");
            });
            Test("a job id that is not a GUID is BG_E_NOT_FOUND (as the portable engine) before any COM call; a non-string id is E_INVALIDARG", () =>
            {
                var r = Call(new Bridge(() => throw new Exception("must not be created")), "getJob", "not-a-guid");
                var e = (Dictionary<string, object>)r["error"];
                Eq((double)0x80200001u, e["hresult"]);
                Eq("BG_E_NOT_FOUND", e["name"]);
                True(((string)e["message"]).Contains("not-a-guid"), (string)e["message"]);
                var r2 = Call(new Bridge(() => throw new Exception("must not be created")), "resume", 42.0);
                Eq((double)0x80070057u, ((Dictionary<string, object>)r2["error"])["hresult"]);
            });
        }
    }
}
