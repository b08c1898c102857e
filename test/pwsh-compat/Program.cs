// PwshCompat: is every .NET API a PowerShell script uses present in Windows PowerShell 5.1?
//
//   dotnet PwshCompat.dll <references.json>
//
// The input is the list written by test/ps/api-references.ps1 (types, static and instance members,
// constructors, each with its argument count, found from the PowerShell AST and typed with PowerShell
// 7's reflection). Each one is looked up in the .NET Framework 4.8 reference assemblies plus the
// System.Management.Automation reference assembly of PowerShell Standard 5.1.1 (the API surface of
// Windows PowerShell 5.1), loaded into a MetadataLoadContext: metadata only, so it runs on Linux.
// A member must exist on the type (inherited members and interfaces count) with the same kind
// (static or instance); a call must have an overload that takes that many arguments (optional
// parameters and params arrays count).
// Exit: 0 all present; 1 something is missing (one MISSING: line each); 2 usage or setup error.
using System.Reflection;
using System.Text.Json;

namespace PwshCompat;

public sealed record Reference(string kind, string type, string member, bool @static, int arguments, string where, string text);

public static class Program
{
    static string Setting(string key) =>
        typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} in the build");

    public static int Main(string[] argv)
    {
        if (argv.Length != 1) { Console.Error.WriteLine("usage: PwshCompat <references.json>"); return 2; }
        string net48 = Setting("Net48ReferenceDir");
        string sma = Setting("PowerShellStandardAssembly");
        if (!File.Exists(Path.Combine(net48, "mscorlib.dll")) || !File.Exists(sma))
        {
            Console.Error.WriteLine($"reference assemblies missing: {net48}/mscorlib.dll, {sma} (restore the packages: dotnet build)");
            return 2;
        }
        var refs = JsonSerializer.Deserialize<List<Reference>>(File.ReadAllText(argv[0])) ?? new();

        string[] main = Directory.GetFiles(net48, "*.dll").Append(sma).ToArray();
        string[] all = main.Concat(Directory.GetFiles(Path.Combine(net48, "Facades"), "*.dll")).ToArray();
        using var mlc = new MetadataLoadContext(new PathAssemblyResolver(all), "mscorlib");
        var assemblies = new List<Assembly>();
        foreach (var path in main)
        {
            try { assemblies.Add(mlc.LoadFromAssemblyPath(path)); }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException) { /* a native image or a netmodule */ }
        }
        var smaAssembly = assemblies.Single(a => a.GetName().Name == "System.Management.Automation");

        var typeCache = new Dictionary<string, Type?>();
        Type? FindType(string name)
        {
            if (typeCache.TryGetValue(name, out var cached)) return cached;
            Type? found = null;
            foreach (var a in assemblies)
            {
                try { found = a.GetType(name, false); } catch (FileNotFoundException) { found = null; }
                if (found != null) break;
            }
            return typeCache[name] = found;
        }

        int types = 0, members = 0;
        var missing = new List<string>();
        foreach (var r in refs)
        {
            var t = FindType(r.type);
            if (r.kind == "type")
            {
                types++;
                if (t == null) missing.Add($"MISSING: {r.where}: type {r.type} ({r.text})");
                continue;
            }
            members++;
            string what = r.member == ".ctor" ? $"{r.type}::new/{r.arguments}" : $"{r.type}{(r.@static ? "::" : ".")}{r.member}{(r.arguments >= 0 ? $"/{r.arguments}" : "")}";
            if (t == null) { missing.Add($"MISSING: {r.where}: {what}: type {r.type} does not exist ({r.text})"); continue; }
            string? why = CheckMember(t, r);
            if (why != null) missing.Add($"MISSING: {r.where}: {what}: {why} ({r.text})");
        }
        foreach (var m in missing) Console.Out.WriteLine(m);
        Console.Out.WriteLine($"checked {types} type and {members} member references against .NET Framework 4.8 and PowerShell Standard {smaAssembly.GetName().Version} ({Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(sma))))}): {missing.Count} missing");
        return missing.Count == 0 ? 0 : 1;
    }

    static bool Accepts(ParameterInfo[] ps, int n)
    {
        int required = ps.Count(p => !p.IsOptional);
        bool paramsArray = ps.Length > 0 && ps[^1].GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.ParamArrayAttribute");
        if (paramsArray) return n >= ps.Length - 1;
        return n >= required && n <= ps.Length;
    }

    /// <summary>null when the member exists as used; otherwise why not.</summary>
    static string? CheckMember(Type t, Reference r)
    {
        if (r.member == ".ctor")
        {
            if (t.IsValueType && r.arguments == 0) return null;
            var ctors = t.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
            if (ctors.Any(c => Accepts(c.GetParameters(), r.arguments))) return null;
            return ctors.Length == 0 ? "no public constructor" : $"no constructor takes {r.arguments} argument(s) (has {string.Join(", ", ctors.Select(c => c.GetParameters().Length).Distinct())})";
        }
        var flags = BindingFlags.Public | (r.@static ? BindingFlags.Static | BindingFlags.FlattenHierarchy : BindingFlags.Instance);
        var found = t.GetMember(r.member, flags).ToList();
        if (t.IsInterface) foreach (var i in t.GetInterfaces()) found.AddRange(i.GetMember(r.member, flags));
        if (found.Count == 0)
        {
            var other = t.GetMember(r.member, BindingFlags.Public | BindingFlags.FlattenHierarchy | (r.@static ? BindingFlags.Instance : BindingFlags.Static));
            return other.Length > 0 ? $"exists only as {(r.@static ? "an instance" : "a static")} member" : "no such member";
        }
        if (r.arguments < 0)
        {
            // A property or field read or written (or a method group, which PowerShell also allows).
            return null;
        }
        var methods = found.OfType<MethodInfo>().ToList();
        if (methods.Count == 0) return null; // a property holding a delegate, called: rare, accepted
        if (methods.Any(m => Accepts(m.GetParameters(), r.arguments))) return null;
        return $"no overload takes {r.arguments} argument(s) (has {string.Join(", ", methods.Select(m => m.GetParameters().Length).Distinct().OrderBy(x => x))})";
    }
}
