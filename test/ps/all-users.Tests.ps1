# Get-BitsJob2 -AllUsers as root (test/admin-all-users.test.ts runs it): the cmdlet passes --all-users
# to the CLI, whose administrator backend reaches every user's jobs; each job object is a typed
# BitsJob2.Job carrying its owner's SID and account name. $Expected lists the jobs the runner made for
# two real users and root ({ id, owner, ownerName }); $OwnCount is how many root owns itself.
param([string] $Root, [object[]] $Expected, [int] $OwnCount)

Describe 'Get-BitsJob2 -AllUsers as an administrator' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        $all = @(Get-BitsJob2 -AllUsers -ErrorAction Stop)
    }

    It 'returns jobs, each a typed BitsJob2.Job' {
        $all.Count | Should -BeGreaterOrEqual 1 -Because 'Get-BitsJob2 -AllUsers returned jobs'
        foreach ($j in $all) {
            ($j.PSObject.TypeNames -contains 'BitsJob2.Job') | Should -BeTrue -Because "typed BitsJob2.Job: $($j.PSObject.TypeNames -join ',')"
        }
    }

    It 'shows <ownerName>''s job <id> with its owner SID and account name' -ForEach $Expected {
        $job = @($all | Where-Object { $_.JobId -eq $id })
        $job.Count | Should -Be 1 -Because "Get-BitsJob2 -AllUsers shows $id of $ownerName"
        $job[0].Owner | Should -Be $owner -Because 'the owner''s SID'
        $job[0].OwnerName | Should -Be $ownerName -Because 'the owner''s account name'
    }

    It 'without -AllUsers: root''s own jobs only' {
        $own = @(Get-BitsJob2 -ErrorAction Stop)
        $own.Count | Should -Be $OwnCount -Because 'Get-BitsJob2 without -AllUsers lists the caller''s jobs'
        $rootJobs = @($Expected | Where-Object { $_.ownerName -eq 'root' } | ForEach-Object { $_.id })
        foreach ($j in $own) { $rootJobs | Should -Contain $j.JobId -Because 'the one job root owns' }
    }
}
