import SundialEvents

/// The durable event log (events table + Redis `scheduler:events`), shared with the API: see
/// `Shared/Events/EventLog.swift`.
typealias EventLog = SundialEvents.EventLog
