import { bundledRunner } from '../helpers/runner.ts'
import { versionsSuite } from '../app/versions-suite.ts'

versionsSuite('through the bundled action', bundledRunner)
