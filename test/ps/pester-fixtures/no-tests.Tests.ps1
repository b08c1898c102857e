# A fixture of the Pester runner's own test: a file whose Describe holds no It. Pester calls that a
# pass; the runner must not (a test file that tests nothing is a defect).
Describe 'empty' { }
