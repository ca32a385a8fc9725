// aws-cdk-lib validates every synthesized template with its bundled rule engine unless
// CDK_VALIDATION is "false". Loading that engine costs about four seconds in every test file
// (jest loads modules afresh per file), and it only prints warnings. Unit tests assert on the
// templates themselves; the template gate synthesizes every example and integ app with that
// validation on and checks their templates with cfn-lint.
process.env.CDK_VALIDATION = 'false';
