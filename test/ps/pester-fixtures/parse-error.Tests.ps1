# A fixture of the Pester runner's own test: the file does not parse (a Describe block left open), so
# Pester's discovery fails; the runner must report the parse error.
Describe 'unclosed' {
    It 'cannot be discovered' { $true | Should -BeTrue
