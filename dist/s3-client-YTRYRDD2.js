import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  CONTENT_TYPE,
  PARTS_IN_FLIGHT,
  PART_SIZE,
  S3Bucket,
  TRANSIENT_CODES,
  TRANSIENT_NAMES,
  errorCode,
  findS3Credentials,
  httpStatus,
  isNotFound,
  isTransient
} from "./chunk-36GUPZFO.js";
import "./chunk-5T75J37P.js";
import "./chunk-EKRAGSSF.js";
import "./chunk-BVUK22WD.js";
import "./chunk-VF57VZD3.js";
export {
  CONTENT_TYPE,
  PARTS_IN_FLIGHT,
  PART_SIZE,
  S3Bucket,
  TRANSIENT_CODES,
  TRANSIENT_NAMES,
  errorCode,
  findS3Credentials,
  httpStatus,
  isNotFound,
  isTransient
};
