$ErrorActionPreference = 'Stop'
'before the throw'
function Invoke-Boom { throw 'boom-marker-1234' }
Invoke-Boom
'never printed'
