// Type declarations for packages that ship none; each package's own home narrows them further.
declare module 'dcmjs';
declare module 's3rver';
