// Type shims for dependencies that ship no types.
declare module 'parquetjs-lite';
