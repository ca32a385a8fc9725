/**
 * CloudWatch alarms of the deployed stacks, each OK unless a journey's release sets it off:
 * `DescribeAlarms` as the soak workflow reads them.
 */
import { Endpoint } from '../aws-api';

interface SimulatedAlarm {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
}

export class AlarmSimulation {
  private readonly alarms = new Map<string, SimulatedAlarm>();

  public define(at: Endpoint, name: string): void {
    const key = `${at.account}/${at.region}/${name}`;
    if (!this.alarms.has(key)) this.alarms.set(key, { name, ...at, state: 'OK', reason: 'Threshold Crossed: no datapoints were breaching' });
  }

  public set(at: Endpoint, name: string, state: SimulatedAlarm['state'], reason: string): void {
    const alarm = this.alarms.get(`${at.account}/${at.region}/${name}`);
    if (!alarm) throw new Error(`No alarm ${name} in account ${at.account}, region ${at.region}`);
    alarm.state = state;
    alarm.reason = reason;
  }

  public handle = (action: string, request: any, at: Endpoint): unknown => {
    if (action !== 'describeAlarms') throw new Error(`CloudWatch ${action} is not simulated`);
    const names: string[] = request.AlarmNames ?? [];
    const found = names.map((name) => this.alarms.get(`${at.account}/${at.region}/${name}`)).filter((alarm): alarm is SimulatedAlarm => alarm !== undefined);
    const types: string[] = request.AlarmTypes ?? ['MetricAlarm'];
    return {
      MetricAlarms: types.includes('MetricAlarm') ? found.map((alarm) => ({
        AlarmName: alarm.name, AlarmArn: `arn:aws:cloudwatch:${alarm.region}:${alarm.account}:alarm:${alarm.name}`, StateValue: alarm.state, StateReason: alarm.reason,
      })) : [],
      CompositeAlarms: [],
    };
  };
}
