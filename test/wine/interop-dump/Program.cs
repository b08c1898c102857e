// Reads a built Bits.Job2.Bridge.dll by reflection and prints, as JSON, what the header comparison
// (test/interop-headers.test.ts) holds against the mingw-w64 headers: for every [ComImport]
// interface of Bits.Job2.Bridge.Interop its IID and its methods in metadata order (= vtable order
// after IUnknown's three), and for every struct its size and field offsets in this process (x64).
// The DLL is loaded from a path, so a deliberately broken copy (the mutant test) is read the same way.
using System;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length != 1) { Console.Error.WriteLine("usage: interop-dump <Bits.Job2.Bridge.dll>"); return 2; }
        var asm = Assembly.LoadFrom(args[0]);
        var types = asm.GetTypes().Where(t => t.Namespace == "Bits.Job2.Bridge.Interop").ToArray();
        var interfaces = types.Where(t => t.IsInterface && t.IsDefined(typeof(ComImportAttribute)))
            .ToDictionary(t => t.Name, t => new
            {
                iid = t.GUID.ToString("D"),
                methods = t.GetMethods().OrderBy(m => m.MetadataToken).Select(m => m.Name).ToArray(),
            });
        var structs = types.Where(t => t.IsValueType && !t.IsEnum && t.StructLayoutAttribute?.Value == LayoutKind.Sequential)
            .ToDictionary(t => t.Name, t => new
            {
                size = Marshal.SizeOf(t),
                fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken)
                    .ToDictionary(f => f.Name, f => (int)Marshal.OffsetOf(t, f.Name)),
            });
        var clsid = types.SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.Name == "ClsidBackgroundCopyManager").Select(f => f.GetValue(null)?.ToString()).FirstOrDefault();
        Console.WriteLine(JsonSerializer.Serialize(new { pointerSize = IntPtr.Size, clsid, interfaces, structs }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
