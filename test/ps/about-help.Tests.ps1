# Get-Help about_Bits.Job2 finds the module's about topic once the module is imported from the root
# manifest (the nested manifest's ModuleBase, module/powershell, holds en-US/), and not before: the
# topic comes from the module, not from anywhere else on the help path.
param([string] $Root, [string] $Expected)

Describe 'about_Bits.Job2' {
    BeforeAll { $ErrorActionPreference = 'Stop' }

    It 'is not found before the module is imported' {
        $before = Get-Help about_Bits.Job2 -ErrorAction SilentlyContinue
        ($null -eq $before) | Should -BeTrue -Because 'no topic before the module is imported'
    }

    Context 'after Import-Module' {
        BeforeAll {
            Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
            $topic = Get-Help about_Bits.Job2
        }

        It 'is the topic text with its heading and a short description' {
            ($topic -is [string]) | Should -BeTrue -Because "about topics are text, got $($topic.GetType().FullName)"
            ($topic -match 'TOPIC\s+about_Bits\.Job2') | Should -BeTrue -Because 'the topic heading'
            ($topic -match 'SHORT DESCRIPTION') | Should -BeTrue -Because 'a short description'
        }

        It 'lists every cmdlet' {
            foreach ($name in $Expected.Split(',')) { ($topic.Contains($name)) | Should -BeTrue -Because "the topic lists $name" }
        }

        It 'is listed by Get-Help about_Bits*' {
            $list = @(Get-Help about_Bits* | Where-Object { $_.Name -eq 'about_Bits.Job2' })
            $list.Count | Should -Be 1 -Because 'Get-Help about_Bits* lists the topic'
        }
    }
}
