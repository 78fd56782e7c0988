import { sourceRunner } from '../helpers/runner.ts'
import { versionsSuite } from './versions-suite.ts'

versionsSuite('through src/', sourceRunner)
