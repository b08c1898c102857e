# A fixture of the Pester runner's own test (test/pester-runner.test.ts), not a test of the module:
# one It passes with a value given through the container's -Data, one fails on purpose with a Should
# message the runner must carry back, and one fails on a thrown error.
param([string] $Greeting)

Describe 'runner fixture' {
    BeforeAll { $script:seen = "$Greeting, world" }

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
    }
}
