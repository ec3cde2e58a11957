/**
 * Data records of the room events (topic {@code reprise.room}), published by room-service. Each record is the JSON
 * value of one CloudEvent type; see {@link dev.reprise.contracts.EventCatalog}.
 */
package dev.reprise.contracts.room;
