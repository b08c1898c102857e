// Natural-alignment layout calculator (the MSVC default the BITS headers use), parameterised by
// pointer size, so the x86 offsets of spec §2.3 can be checked in a 64-bit process. It is validated
// against Marshal.OffsetOf/SizeOf for the current process first.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Bits.Job2.Bridge.Tests
{
    internal static class Layout
    {
        public sealed class Result
        {
            public int Size;
            public int Align;
            public Dictionary<string, int> Offsets = new Dictionary<string, int>();
        }

        public static Result Compute(Type t, int pointerSize)
        {
            var sl = t.StructLayoutAttribute;
            if (sl == null || sl.Value != LayoutKind.Sequential) throw new ArgumentException($"{t.Name}: only sequential layout is computed");
            var pack = sl.Pack == 0 ? int.MaxValue : sl.Pack;
            var r = new Result { Align = 1 };
            var offset = 0;
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken))
            {
                var (size, align) = FieldSize(f, pointerSize);
                align = Math.Min(align, pack);
                offset = (offset + align - 1) / align * align;
                r.Offsets[f.Name] = offset;
                offset += size;
                r.Align = Math.Max(r.Align, align);
            }
            r.Size = (offset + r.Align - 1) / r.Align * r.Align;
            return r;
        }

        private static (int size, int align) FieldSize(FieldInfo f, int ptr)
        {
            var t = f.FieldType;
            var ma = f.GetCustomAttribute<MarshalAsAttribute>();
            if (t == typeof(string) || t == typeof(IntPtr) || t == typeof(UIntPtr)) return (ptr, ptr);
            if (t == typeof(bool)) return ma != null && ma.Value == UnmanagedType.U1 ? (1, 1) : (4, 4); // BOOL
            if (t.IsEnum) t = Enum.GetUnderlyingType(t);
            if (t == typeof(ulong) || t == typeof(long) || t == typeof(double)) return (8, 8);
            if (t == typeof(uint) || t == typeof(int) || t == typeof(float)) return (4, 4);
            if (t == typeof(ushort) || t == typeof(short) || t == typeof(char)) return (2, 2);
            if (t == typeof(byte) || t == typeof(sbyte)) return (1, 1);
            if (t.IsValueType && !t.IsPrimitive) { var r = Compute(t, ptr); return (r.Size, r.Align); }
            throw new ArgumentException($"{f.DeclaringType.Name}.{f.Name}: no size rule for {t.Name}");
        }
    }
}
