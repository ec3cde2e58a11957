/**
 * Data records of the recording events (topic {@code reprise.recording}), published by recording-service. Each
 * record is the JSON value of one CloudEvent type; see {@link dev.reprise.contracts.EventCatalog}.
 */
package dev.reprise.contracts.recording;
