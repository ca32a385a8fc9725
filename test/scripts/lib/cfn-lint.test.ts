import * as path from 'path';
import { cfnLint, formatCfnLintFinding } from '../../../scripts/lib/cfn-lint';

const fixture = (name: string) => path.join(__dirname, '..', '..', 'fixtures', name);

describe('cfnLint', () => {
  test('given a template with a misspelled property, then cfn-lint reports an error naming it', () => {
    const findings = cfnLint([fixture('invalid-property.template.json')]);

    expect(findings).toEqual([expect.objectContaining({ Level: 'Error', Rule: expect.objectContaining({ Id: 'E3002' }) })]);
    expect(formatCfnLintFinding(findings[0])).toMatch(/^E3002 Resources\/Bucket\/Properties\/BucketNme: .*'BucketNme' was unexpected.*\[test\/fixtures\/invalid-property\.template\.json\]$/);
  });

  test('given a valid template, then cfn-lint reports nothing', () => {
    expect(cfnLint([fixture('valid.template.json')])).toEqual([]);
  });
});
