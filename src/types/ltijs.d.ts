declare module 'ltijs';
