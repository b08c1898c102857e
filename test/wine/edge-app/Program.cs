// Never run: this project exists for its publish layout (EDGE_APP_ROOT), see the .csproj.
internal static class Program
{
    private static int Main() => 0;
}
