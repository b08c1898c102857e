# A fixture of the Pester runner's own test (test/pester-runner.test.ts), not a test of the module:
# one It passes with a value given through the container's -Data, one fails on purpose with a Should
# message the runner must carry back, one fails on a thrown error, and one on a non-terminating
# error under the $ErrorActionPreference = 'Stop' of its Describe's BeforeAll (the converted test
# files rely on that, as the old scripts relied on PwshHost failing when $Error was not empty).
param([string] $Greeting)

Describe 'runner fixture' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $script:seen = "$Greeting, world"
    }

    It 'passes with the data it was given' {
        $script:seen | Should -Be 'hello, world'
    }

    Context 'failures' {
        It 'fails on purpose with a Should message' {
            $script:seen | Should -Be 'goodbye, world' -Because 'this It must be reported as failed'
        }

        It 'fails on a thrown error' {
            throw 'deliberate error from the fixture'
        }

        It 'fails on a non-terminating error' {
            Write-Error 'deliberate non-terminating error'
            $true | Should -BeTrue
        }
    }
}
