/**
 * The Reprise Kafka event contract: topics ({@link dev.reprise.contracts.Topic}), the CloudEvents envelope
 * ({@link dev.reprise.contracts.CloudEventHeaders}), the event catalogue ({@link dev.reprise.contracts.EventCatalog})
 * and the shared JSON mapping ({@link dev.reprise.contracts.EventJson}).
 */
package dev.reprise.contracts;
