// A minimal, non-interactive PSHost. It exists so that what PowerShell writes through the host UI
// (the "What if:" lines of -WhatIf, Write-Host, Out-Host/Out-Default) reaches stdout as it would in
// pwsh. Records of the Error/Warning/Verbose/Debug/Information streams are printed by Program from
// the PowerShell streams, so the UI methods for them do nothing here (no double printing).
// Anything that would prompt (Read-Host, Get-Credential, confirmation) fails: tests never prompt.
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PwshHost;

public sealed class TestHost : PSHost
{
    readonly Guid id = Guid.NewGuid();
    readonly TestHostUI ui = new();
    public override string Name => "PwshHost";
    public override Version Version => new(0, 1);
    public override Guid InstanceId => id;
    public override PSHostUserInterface UI => ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    /// <summary>Set by `exit N` at the top level of an inline (-e) script.</summary>
    public int? ExitCode { get; private set; }
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("no nested prompt in PwshHost");
    public override void ExitNestedPrompt() => throw new NotSupportedException("no nested prompt in PwshHost");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

sealed class TestHostUI : PSHostUserInterface
{
    readonly TestRawUI raw = new();
    public override PSHostRawUserInterface RawUI => raw;

    static Exception NoPrompt(string what) =>
        new PSInvalidOperationException($"PwshHost is not interactive: {what} cannot prompt");

    public override void Write(string value) { lock (Console.Out) { Console.Out.Write(value); Console.Out.Flush(); } }
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
    public override void WriteLine(string value) => Write(value + "\n");
    // Printed from the streams by Program.
    public override void WriteErrorLine(string value) { }
    public override void WriteWarningLine(string message) { }
    public override void WriteVerboseLine(string message) { }
    public override void WriteDebugLine(string message) { }
    public override void WriteInformation(InformationRecord record) { }
    public override void WriteProgress(long sourceId, ProgressRecord record) { }

    public override string ReadLine() => throw NoPrompt("Read-Host");
    public override SecureString ReadLineAsSecureString() => throw NoPrompt("Read-Host -AsSecureString");
    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw NoPrompt("a prompt");
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw NoPrompt("a choice (-Confirm)");
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw NoPrompt("Get-Credential");
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw NoPrompt("Get-Credential");
}

sealed class TestRawUI : PSHostRawUserInterface
{
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize { get; set; } = new(160, 9999);
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => new(160, 100);
    public override Size MaxWindowSize => new(160, 100);
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize { get; set; } = new(160, 100);
    public override string WindowTitle { get; set; } = "PwshHost";
    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new PSInvalidOperationException("PwshHost is not interactive");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}
