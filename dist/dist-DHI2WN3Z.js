import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  require_dist2 as require_dist
} from "./chunk-JOYXMYRD.js";
import "./chunk-VF57VZD3.js";
export default require_dist();
