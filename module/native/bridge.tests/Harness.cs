// A minimal test harness: named checks, one line each, a summary line CI can read.
using System;
using System.Collections.Generic;

namespace Bits.Job2.Bridge.Tests
{
    internal static class T
    {
        public static int Passed, Failed;
        private static readonly List<string> Failures = new List<string>();

        public static void Test(string name, Action body)
        {
            try
            {
                body();
                Passed++;
                Console.WriteLine($"  ok   {name}");
            }
            catch (Exception e)
            {
                Failed++;
                Failures.Add(name);
                Console.WriteLine($"  FAIL {name}\n       {e.GetType().Name}: {e.Message.Replace("\n", "\n       ")}");
            }
        }

        public static void Eq<TV>(TV expected, TV actual, string what = "")
        {
            if (!EqualityComparer<TV>.Default.Equals(expected, actual))
                throw new Exception($"{what} expected <{expected}> got <{actual}>");
        }

        public static void True(bool cond, string what)
        {
            if (!cond) throw new Exception(what);
        }

        public static void Summary()
        {
            Console.WriteLine();
            foreach (var f in Failures) Console.WriteLine($"failed: {f}");
            Console.WriteLine($"{Passed} passed, {Failed} failed");
        }
    }
}
