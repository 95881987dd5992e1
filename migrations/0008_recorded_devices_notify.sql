-- Recorded Devices are configuration: cti-host invokes Record-A-Call for the 'rac' ones and
-- must see a change at once (a call answered a second after the device was added is
-- recorded), so the table announces changes on hs_config like the other settings tables.
CREATE TRIGGER recorded_devices_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON recorded_devices FOR EACH STATEMENT EXECUTE FUNCTION hs_notify_config();
