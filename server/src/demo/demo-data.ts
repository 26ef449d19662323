import { defaultTimeZone } from '../../../shared/calendar';
import type { SiteInfo } from '../../../shared/schemas/site';

/**
 * The demo site created on an empty data folder. These credentials are published in the README:
 * the server refuses to listen on the network while any of them still works (see network-guard).
 */
export const demoSite = {
  name: 'Mairie de Démoville',
  address: '1 place de la République, 00000 Démoville',
  phone: '01 23 45 67 89',
  timezone: defaultTimeZone,
  receptionHint: 'Accueil : au rez-de-chaussée, à gauche de l’entrée',
  openingHours: {
    '1': [
      ['08:30', '12:00'],
      ['13:30', '17:30']
    ],
    '2': [
      ['08:30', '12:00'],
      ['13:30', '17:30']
    ],
    '3': [
      ['08:30', '12:00'],
      ['13:30', '17:30']
    ],
    '4': [
      ['08:30', '12:00'],
      ['13:30', '19:00']
    ],
    '5': [
      ['08:30', '12:00'],
      ['13:30', '17:00']
    ],
    '6': [['09:00', '12:00']]
  }
} satisfies Omit<
  SiteInfo,
  'id' | 'calls' | 'retentionDays' | 'pinMinLength' | 'logoUrl' | 'languages' | 'kiosk' | 'closedDays' | 'closedMessage'
>;

export const demoAccounts = [
  { role: 'agent', login: 'marie', firstName: 'Marie', secret: '1234' },
  { role: 'agent', login: 'karim', firstName: 'Karim', secret: '5678' },
  { role: 'manager', login: 'gestion', firstName: 'Camille', secret: 'demoville-gestion' }
] as const;

export const demoTerminals = [
  { kind: 'kiosk', name: 'Borne de démonstration', location: 'Hall, près de l’entrée' },
  { kind: 'display', name: 'Écran du hall', location: 'Hall, au-dessus des guichets' }
] as const;
