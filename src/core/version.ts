/** Drydock's version; a unit test keeps it equal to package.json's. Clients and the backend compare it. */
export const VERSION = '0.1.0';
