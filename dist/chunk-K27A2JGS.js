import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/store/bucket.ts
var BucketObjects = class {
  s;
  constructor(client) {
    this.s = client;
  }
  url(path) {
    return this.s.url(path);
  }
  read(path) {
    return this.s.read(path);
  }
  exists(path) {
    return this.s.exists(path);
  }
  async put(path, data) {
    await this.s.write(path, data);
  }
  remove(path) {
    return this.s.delete(path);
  }
  async list(dir, deep = false) {
    return (await this.s.listing(dir, deep)).objects;
  }
  async place(path, staged, exclusive) {
    if (staged.kind === "data") return this.put(path, Buffer.from(staged.data, "base64"));
    return this.placeObject(path, staged, exclusive);
  }
  async placed(path, staged) {
    if (staged.kind === "data")
      return (await this.read(path))?.equals(Buffer.from(staged.data, "base64")) ?? false;
    return this.placedObject(path, staged);
  }
};

export {
  BucketObjects
};
