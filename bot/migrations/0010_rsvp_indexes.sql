-- Answers to an event are counted at every press and every redraw of its announcement, and each
-- change of status takes the next number of the whole table's sequence: both read an index now
-- instead of every answer ever given (the count reads only the answers of that occurrence, in the
-- index, without the rows; the next number is the index's last entry).
CREATE INDEX event_rsvps_counts ON event_rsvps (event_id, occurrence, status);
CREATE INDEX event_rsvps_seq ON event_rsvps (seq);
