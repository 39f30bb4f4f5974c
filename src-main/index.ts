// Electron shell entry: see src-main/shell.
export {};
