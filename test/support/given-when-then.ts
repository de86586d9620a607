// The specification ships in the package's `/testing` entry; the project's own specs use the same one.
export * from '../../src/testkit/given-when-then';
