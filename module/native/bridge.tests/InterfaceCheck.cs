// Compares a [ComImport] interface, read by reflection, with its spec table entry: IID, ComImport,
// InterfaceIsIUnknown, and for every vtable slot the method name, PreserveSig and the CLR signature
// that the native parameters map to (spec §1.4). Returns the list of mismatches (empty = conforms).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Bits.Job2.Bridge.Tests
{
    internal static class InterfaceCheck
    {
        /// <summary>Native "direction C-type" → the CLR parameter descriptor the interop must use.</summary>
        public static string ExpectedClr(string native)
        {
            var sp = native.IndexOf(' ');
            var dir = native.Substring(0, sp);
            var c = native.Substring(sp + 1);
            switch (native)
            {
                case "in ULONG": case "in DWORD": return "UInt32";
                case "in HRESULT": return "Int32";
                case "out HRESULT*": return "out Int32";
                case "out ULONG*": return "out UInt32";
                case "inout ULONG*": return "ref UInt32";
                case "inout UINT64*": return "ref UInt64";
                case "in LPCWSTR": return "String:LPWStr";
                case "out LPWSTR*": return "out String:LPWStr";
                case "out GUID*": return "out Guid";
                case "in REFGUID": return "[In] ref Guid";
                case "in IUnknown*": return "Object:IUnknown";
                case "out IUnknown**": return "out Object:IUnknown";
                case "out byte**": return "out IntPtr";
                case "in BG_FILE_INFO[]": return "[In] BG_FILE_INFO[]:LPArray";
                case "in BG_AUTH_CREDENTIALS*": return "[In] ref BG_AUTH_CREDENTIALS";
            }
            if (dir == "out" && c.EndsWith("*[]")) return $"[Out] {c.Substring(0, c.Length - 3)}[]:LPArray"; // enumerator Next
            if (dir == "out" && c.EndsWith("**")) return $"out {c.Substring(0, c.Length - 2)}";           // interface pointer
            if (dir == "out" && c.EndsWith("*")) return $"out {c.Substring(0, c.Length - 1)}";             // struct / enum
            if (dir == "inout" && c.EndsWith("*")) return $"ref {c.Substring(0, c.Length - 1)}";
            if (dir == "in" && c.StartsWith("BG_")) return c;                                               // enum by value
            throw new ArgumentException($"no CLR mapping for native parameter '{native}'");
        }

        /// <summary>The CLR descriptor of a reflected parameter, in the same notation.</summary>
        public static string Describe(ParameterInfo p)
        {
            var t = p.ParameterType;
            var byRef = t.IsByRef;
            var elem = byRef ? t.GetElementType() : t;
            var s = elem.IsArray ? elem.GetElementType().Name + "[]" : elem.Name;
            if (byRef) s = (p.IsOut && !p.IsIn ? "out " : "ref ") + s;
            if (byRef && p.IsIn) s = "[In] " + s;
            else if (!byRef && elem.IsArray) s = (p.IsOut ? "[Out] " : p.IsIn ? "[In] " : "") + s;
            var ma = p.GetCustomAttribute<MarshalAsAttribute>();
            if (ma != null) s += ":" + ma.Value;
            return s;
        }

        /// <summary>Methods in declaration (= metadata = vtable) order.</summary>
        public static MethodInfo[] VtableMethods(Type t) =>
            t.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly).OrderBy(m => m.MetadataToken).ToArray();

        public static List<string> Check(Type t, SpecInterface spec)
        {
            var problems = new List<string>();
            if (!t.IsInterface) problems.Add($"{t.Name} is not an interface");
            if (!t.IsImport) problems.Add($"{t.Name} lacks [ComImport]");
            var guid = t.GetCustomAttribute<GuidAttribute>();
            if (guid == null || !string.Equals(guid.Value, spec.Iid, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{t.Name} IID {guid?.Value ?? "(none)"} != spec {spec.Iid}");
            var it = t.GetCustomAttribute<InterfaceTypeAttribute>();
            if (it == null || it.Value != ComInterfaceType.InterfaceIsIUnknown) problems.Add($"{t.Name} is not InterfaceIsIUnknown");

            var methods = VtableMethods(t);
            if (methods.Length != spec.Methods.Count)
                problems.Add($"{t.Name} declares {methods.Length} methods, spec has {spec.Methods.Count} (slots 3–{spec.Methods.Count + 2})");
            for (var i = 0; i < Math.Min(methods.Length, spec.Methods.Count); i++)
            {
                var m = methods[i];
                var s = spec.Methods[i];
                var where = $"{spec.Name} slot {s.Slot}";
                if (m.Name != s.Name) problems.Add($"{where}: method {m.Name}, spec {s.Name}");
                var preserve = (m.MethodImplementationFlags & MethodImplAttributes.PreserveSig) != 0;
                if (preserve != s.PreserveSig) problems.Add($"{where} {s.Name}: PreserveSig {preserve}, spec §1.4 wants {s.PreserveSig}");
                var ret = m.ReturnType == typeof(void) ? "void" : m.ReturnType.Name;
                var wantRet = s.PreserveSig ? "Int32" : "void";
                if (ret != wantRet) problems.Add($"{where} {s.Name}: returns {ret}, want {wantRet}");
                var actual = m.GetParameters().Select(Describe).ToArray();
                var expected = s.Params.Select(ExpectedClr).ToArray();
                if (!actual.SequenceEqual(expected))
                    problems.Add($"{where} {s.Name}: ({string.Join(", ", actual)}) != spec ({string.Join(", ", expected)}) from ({string.Join(", ", s.Params)})");
            }
            return problems;
        }
    }
}
