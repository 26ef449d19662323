/** The team's statistics for the manager console: per day, hour and service, never per agent. */
import type { StatisticsService } from '../../statistics/statistics.service';
import type { CommandHandlers } from '../types';

export function createStatisticsHandlers({ statistics }: { statistics: StatisticsService }): Pick<CommandHandlers, 'stats:get'> {
  return {
    'stats:get': (input, { identity }) => statistics.report(identity.siteId, input)
  };
}
