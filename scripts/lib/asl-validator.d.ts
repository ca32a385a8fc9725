// asl-validator ships no type declarations; this is the part of its API the harness uses.
declare module 'asl-validator' {
  interface ValidationError {
    readonly 'Error code': string;
    readonly 'Message': string;
  }
  function validator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): {
    isValid: boolean;
    errors: ValidationError[];
  };
  export = validator;
}
