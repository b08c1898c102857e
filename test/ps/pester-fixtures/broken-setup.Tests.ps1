# A fixture of the Pester runner's own test: the Describe's BeforeAll throws, so no It can run; the
# runner must report the file as failed with the BeforeAll's message, not as "no tests, all passed".
Describe 'broken setup' {
    BeforeAll { throw 'deliberate BeforeAll failure' }
    It 'never runs its body' { $true | Should -BeTrue }
}
