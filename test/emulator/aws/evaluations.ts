/** A Config EvaluationResult as GetComplianceDetailsByConfigRule returns it (no test runner needed here). */
export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export function evaluation(
  rule: string,
  type: string,
  id: string,
  compliance: Compliance,
  at = '2025-01-01T00:00:00.000Z',
) {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: rule,
        ResourceType: type,
        ResourceId: id,
        EvaluationMode: 'DETECTIVE' as const,
      },
      OrderingTimestamp: at,
    },
    ComplianceType: compliance,
    ResultRecordedTime: at,
    ConfigRuleInvokedTime: at,
  };
}
