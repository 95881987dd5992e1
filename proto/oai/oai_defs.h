/*
 * oai_defs.h - the vocabulary of the System OAI link, declared once (../shared/protocols/oai.md).
 *
 * Every list here is an X-macro.  tables.c expands them into the enums' name and text lookups,
 * the field table and the per-code schemas; tables_test.c checks that the lists agree with each
 * other and that the layout tables in proto/oai/README.md are the ones rendered from them.
 *
 *   OAI_FIELD_LIST      X(ID, "Wire_Name", TYPE)          one entry per field meaning
 *   OAI_EVENT_LIST      X(ID, "EV", CATEGORY, "Name", (schema from index 3))
 *   OAI_CMD_LIST        X(ID, "_XX", "Name", (arguments from index 2), (CF extras from index 5))
 *   OAI_*_LIST (enums)  X(NAME, value, "meaning")
 *
 * A schema lists the fields of a message by position, starting at the index given above
 * (oai.md numbering: index 0 is the sequence number of a PBX message, or the code of a command).
 * Besides field ids it holds these markers:
 *
 *   OAI_S_OPT         the fields after it may be missing on decode (older protocol versions,
 *                     conditional fields).  Every CF extra is optional: a failure CF has none.
 *   OAI_S_GROUP(w)    the field before it is a count N, and the w field ids after it form one
 *                     item repeated N times (CO parties, _MS monitors, _QH triplets, _NO nodes).
 *                     Fields after the group continue after the last item.
 *   OAI_S_QX          like a group for _QX entities: the key field id follows, and each entity
 *                     has one more field per bit set in Entity_Field_Mask (OAI_QX_FIELD_LIST).
 *   OAI_S_REST        the field id after it types every remaining field (Filter_List, unknown
 *                     layouts).  Nothing may follow it.
 *   OAI_S_AT(i)       the next field is at index i (the _QL CF puts List_Type before Outcome).
 *
 * Adding a code: add its line to OAI_EVENT_LIST or OAI_CMD_LIST with its schema, adding any
 * new field to OAI_FIELD_LIST; then run the tables test with HS_OAI_README=write to refresh
 * the layout tables in README.md, and add a decode test from a real or documented example.
 */
#ifndef OAI_DEFS_H
#define OAI_DEFS_H

/* ---- field types ------------------------------------------------------------------------ */

/*
 * How a field is checked on decode and written on encode.  Every field may be blank unless the
 * decoder needs it (the header, a group count).
 */
#define OAI_TYPE_LIST(X)                                                                       \
	X(DIGITS, "decimal digits kept as a string (sequence, InvokeID, xref, counts)")        \
	X(INT, "decimal number")                                                               \
	X(HEX, "hexadecimal number (masks, COS flags)")                                        \
	X(TEXT, "free text, written |pipe-quoted|; may hold commas")                           \
	X(CHAR, "one character")                                                               \
	X(LCS, "Local_Cnx_State letter, oai.md 5.4")                                           \
	X(PARTY, "I (internal) or E (external), oai.md 5.3")                                   \
	X(EXT, "extension: digits, 'N:' (node) or 'N:ext' (expanded format)")                  \
	X(FILTER, "filter item 'A:hhhh' (A, C, F or S), or blank")                             \
	X(FREE, "any token without a comma (call IDs, dialled numbers, versions)")

/* ---- fields ----------------------------------------------------------------------------- */

/*
 * X(ID, "Wire_Name", TYPE): one entry per meaning, named as in the manual.  A field keeps its
 * id in every message that carries it (OAI_F_CALL_ID is Call_ID wherever it appears).
 */
#define OAI_FIELD_LIST(X)                                                                      \
	/* message headers */                                                                  \
	X(SEQ, "Seq", DIGITS)                                                                  \
	X(CODE, "Code", FREE)                                                                  \
	X(RESYNC, "Resync_Code", DIGITS)                                                       \
	X(XREF, "Mon_Cross_Ref_ID", DIGITS)                                                    \
	X(INVOKE_ID, "InvokeID", DIGITS)                                                       \
	X(OUTCOME, "Outcome", INT)                                                             \
	/* shared by many messages */                                                          \
	X(CALL_ID, "Call_ID", FREE)                                                            \
	X(CAUSE, "Event_Cause", INT)                                                           \
	X(LCS, "Local_Cnx_State", LCS)                                                         \
	X(AFFECTED_EXT, "Affected_Ext", EXT)                                                   \
	X(AFFECTED_ID, "Affected_ID", FREE)                                                    \
	X(EXTENSION, "Extension", EXT)                                                         \
	X(DEVICE_EXT, "Device_Ext", EXT)                                                       \
	X(SUBJECT_EXT, "Subject_Ext", EXT)                                                     \
	X(AGENT_ID, "Agent_ID", EXT)                                                           \
	X(AGENT_DESC, "Agent_Description", TEXT)                                               \
	X(HUNT_GROUP, "ACD_Hunt_Group", EXT)                                                   \
	X(ON_OFF, "On_Off", INT)                                                               \
	X(REASON, "Reason", INT)                                                               \
	X(NODE, "Network_Node_Number", INT)                                                    \
	X(NODE_NUMBER, "Node_Number", EXT)                                                     \
	X(DEVICE_TYPE, "Device_Type", INT)                                                     \
	X(ACCOUNT_CODE, "Account_Code", FREE)                                                  \
	X(CALLER_NAME, "Outside_Caller_Name", TEXT)                                            \
	X(CALLER_NUM, "Outside_Caller_Number", FREE)                                           \
	X(TRUNK_NAME, "Trunk_Name", TEXT)                                                      \
	X(TRUNK_OUTSIDE_NUM, "Trunk_Outside_Number", FREE)                                     \
	X(CALLING_EXT, "Internal_Calling_Ext", EXT)                                            \
	X(CALLING_DEV_TYPE, "Calling_Device_Type", PARTY)                                      \
	X(ORIG_CALLED_DEV, "Originally_Called_Dev", EXT)                                       \
	X(LAST_REDIR_EXT, "Last_Redirection_Ext", EXT)                                         \
	X(DIALED_NUM, "Dialed_Number", FREE)                                                   \
	X(OUTSIDE_NUM, "Outside_Number", FREE)                                                 \
	X(DISPLAY_CONTROL_TYPE, "Display_Control_Type", INT)                                   \
	X(DESCRIPTION, "Description", TEXT)                                                    \
	X(USERNAME, "Username", TEXT)                                                          \
	X(MAILBOX, "Mailbox_Number", EXT)                                                      \
	X(OVERRIDE_DND, "Override_DND", INT)                                                   \
	X(TOLL_STATION, "Station_For_Toll_Restrict", EXT)                                      \
	X(DESTINATION_DEV, "Destination_Dev", FREE)                                            \
	X(DESTINATION_EXT, "Destination_Ext", EXT)                                             \
	X(FILTER, "Filter_List", FILTER)                                                       \
	/* call events (4.3) */                                                                \
	X(TRANSFERRED_CALL_ID, "Transferred_Call_ID", FREE)                                    \
	X(TRANSFER_DEST, "Transfer_Destination", EXT)                                          \
	X(PRIMARY_CALL_ID, "Primary_Call_ID", FREE)                                            \
	X(SECONDARY_CALL_ID, "Secondary_Call_ID", FREE)                                        \
	X(CONF_CONTROLLER_EXT, "Conf_Controller_Ext", EXT)                                     \
	X(NUM_PARTIES, "Number_Of_Parties", DIGITS)                                            \
	X(PARTY_EXT, "Party_Ext", EXT)                                                         \
	X(PARTY_CALL_ID, "Party_Call_ID", FREE)                                                \
	X(CLEARED_EXT, "Cleared_Ext", EXT)                                                     \
	X(TERMINATING_EXT, "Terminating_Ext", EXT)                                             \
	X(ALERTING_EXT, "Alerting_Internal_Ext", EXT)                                          \
	X(ALERTING_OUTSIDE_NUM, "Alerting_Outside_Number", FREE)                               \
	X(ALERTING_DEV_TYPE, "Alerting_Device_Type", PARTY)                                    \
	X(ACD_GROUP, "ACD_UCD_Group", EXT)                                                     \
	X(HUNT_GROUP_ID, "Hunt_Group_ID", EXT)                                                 \
	X(DIVERTED_FROM_EXT, "Diverted_From_Ext", EXT)                                         \
	X(NEW_DEST_EXT, "New_Dest_Ext", EXT)                                                   \
	X(DIVERTED_TO_NUM, "Diverted_To_Outside_Number", FREE)                                 \
	X(ANSWERING_EXT, "Answering_Internal_Ext", EXT)                                        \
	X(ANSWERING_OUTSIDE_NUM, "Answering_Outside_Number", FREE)                             \
	X(ANSWERING_DEV_TYPE, "Answering_Device_Type", PARTY)                                  \
	X(FAILED_EXT, "Failed_Ext", EXT)                                                       \
	X(CALLED_NUM, "Called_Number", FREE)                                                   \
	X(HOLD_EXT, "Activate_Hold_Ext", EXT)                                                  \
	X(TRUNK_USED, "Trunk_Used", EXT)                                                       \
	X(QUEUED_EXT, "Queued_Ext", EXT)                                                       \
	X(NUM_QUEUED, "Number_Queued", INT)                                                    \
	X(RETRIEVING_EXT, "Retrieving_Ext", EXT)                                               \
	X(RETRIEVED_EXT, "Internal_Retrieved_Ext", EXT)                                        \
	X(RETRIEVED_OUTSIDE_NUM, "Retrieved_Device_Outside_Number", FREE)                      \
	X(RETRIEVED_TRUNK_NUM, "Retrieved_Device_Trunk_Number", FREE)                          \
	X(RETRIEVED_DEV_TYPE, "Retrieved_Device_Type", PARTY)                                  \
	X(INITIATING_EXT, "Initiating_Ext", EXT)                                               \
	X(CALLBACK_TARGET_EXT, "Callback_Target_Ext", EXT)                                     \
	X(TRANSFERRING_EXT, "Transferring_Ext", EXT)                                           \
	X(TRANSFERRED_EXT, "Transferred_Ext", EXT)                                             \
	X(ANNOUNCEMENT_CALL_ID, "Announcement_Call_ID", FREE)                                  \
	/* feature events (4.4) */                                                             \
	X(TARGET_EXT, "Target_Ext", EXT)                                                       \
	X(TARGET_USERNAME, "Target_Username", TEXT)                                            \
	X(TARGET_PC_DESC, "Target_PC_Description", TEXT)                                       \
	X(ONLINE, "Online_Offline", INT)                                                       \
	X(PHYSICAL_DEVICE_TYPE, "Physical_Device_Type", INT)                                   \
	X(NEW_LANGUAGE, "New_Language", INT)                                                   \
	X(PREV_LANGUAGE, "Previous_Language", INT)                                             \
	X(DND_EXT, "DND_Ext", EXT)                                                             \
	X(DND_MESSAGE, "DND_Message", TEXT)                                                    \
	X(DND_TEXT, "DND_Text", TEXT)                                                          \
	X(ELAPSED, "Elapsed_Seconds", INT)                                                     \
	X(LOGICAL_NUMBER, "Logical_Number", INT)                                               \
	X(FEATURE_STATUS_MASK, "Feature_Status_Mask", HEX)                                     \
	X(FORWARDING_EXT, "Forwarding_Ext", EXT)                                               \
	X(FORWARD_TYPE, "Forward_Type", CHAR)                                                  \
	X(RECEIVING_EXT, "Device_Receiving_Message", EXT)                                      \
	X(LEAVING_EXT, "Device_Leaving_Message", EXT)                                          \
	X(NUM_MESSAGES, "Number_Of_Messages", INT)                                             \
	/* system, miscellaneous and gateway events (4.5, 4.6) */                              \
	X(SYSTEM_ID, "System_ID", INT)                                                         \
	X(ALARM_NUMBER, "Alarm_Number", DIGITS)                                                \
	X(ALARM_TEXT, "Alarm_Text", TEXT)                                                      \
	X(UNIQUE_ID, "Unique_ID", FREE)                                                        \
	X(DATABASE_AREA, "Database_Area", INT)                                                 \
	X(CHANGE_DATA, "Change_Data", FREE)                                                    \
	X(OLD_EXT, "Old_Extension", EXT)                                                       \
	X(NEW_EXT, "New_Extension", EXT)                                                       \
	X(DISPLAY_EVENT_TYPE, "Display_Event_Type", INT)                                       \
	X(DISPLAY_EVENT_ACTION, "Display_Event_Action", INT)                                   \
	X(INPUT, "Input", FREE)                                                                \
	X(EXTENSION_ENTERED, "Extension_Entered", FREE)                                        \
	X(EXTENSION_VALID, "Extension_Valid", INT)                                             \
	X(MAX_PORTS, "Max_OAI_Ports", INT)                                                     \
	X(SPECIFIC_EXT, "Specific_Extension", EXT)                                             \
	X(TIME, "Time", FREE)                                                                  \
	X(DATE, "Date", FREE)                                                                  \
	X(PROTOCOL_VERSION, "Protocol_Version", FREE)                                          \
	X(KSU_VERSION, "KSU_SW_Version", FREE)                                                 \
	X(PREMIUM_STATUS, "Premium_Feature_Status", INT)                                       \
	X(NETWORKING, "Networking_Enabled", INT)                                               \
	X(COUNTRY, "Country_Code", INT)                                                        \
	X(TCPIP, "TCPIP_Flag", INT)                                                            \
	X(SMDR_INFO, "SMDR_INFO", TEXT)                                                        \
	X(CONNECTION_NUMBER, "Connection_Number", INT)                                         \
	X(CONNECTION_STATE, "Connection_State", INT)                                           \
	X(PREV_NODE, "Previous_Node_Number", INT)                                              \
	X(CURRENT_NODE, "Current_Node_Number", INT)                                            \
	X(SENDING_APP, "Sending_Application", INT)                                             \
	X(SENDING_APP_NAME, "Sending_Application_Name", TEXT)                                  \
	X(SENDING_APP_ADDR, "Sending_Application_Address", FREE)                               \
	X(BYTE_COUNT, "Byte_Count", INT)                                                       \
	X(DATA, "Data", TEXT)                                                                  \
	X(LINK_STATUS, "Link_Status", INT)                                                     \
	/* command arguments and CF extras (3.5, 3.6) */                                       \
	X(PROHIBIT_CONNECT, "Prohibit_Immediate_Connect", INT)                                 \
	X(DISABLE_TRANSFER_RECALL, "Disable_Transfer_Recall", INT)                             \
	X(DISABLE_SYSTEM_FORWARDS, "Disable_System_Forwards", INT)                             \
	X(CLEAR_OFFERING_TIMER, "Clear_Offering_Timer", INT)                                   \
	X(TIMER, "Timer", INT)                                                                 \
	X(NEW_DURATION, "New_Duration", INT)                                                   \
	X(COMPLETE_TRANSFER, "Complete_Transfer", INT)                                         \
	X(HELD_CALL_ID, "Held_Call_ID", FREE)                                                  \
	X(ACTIVE_CALL_ID, "Active_Call_ID", FREE)                                              \
	X(CLEAR_CALL_ID, "Call_to_Clear", FREE)                                                \
	X(CNF_CALL_ID, "Cnf_Call_ID", FREE)                                                    \
	X(NUM_DEVICES, "Number_Of_Devices", DIGITS)                                            \
	X(CALL_DESTINATION, "Call_Destination", FREE)                                          \
	X(CURRENT_DEST_EXT, "Current_Dest_Ext", EXT)                                           \
	X(COUNTER_STATE, "Counter_State", INT)                                                 \
	X(INIT_MINUTES, "Init_Minutes", INT)                                                   \
	X(INIT_SECONDS, "Init_Seconds", INT)                                                   \
	X(GENERIC_TONE, "Generic_Tone", INT)                                                   \
	X(TONE_STATUS, "Tone_Status", INT)                                                     \
	X(DISPLAY_MODEL, "Display_Model", INT)                                                 \
	X(DISPLAY_INFO, "Display_Info", FREE)                                                  \
	X(INFO_DISPLAY, "Info_Display_String", TEXT)                                           \
	X(MENU_DISPLAY, "Menu_Display_String", TEXT)                                           \
	X(DISPLAY_OPTION, "Display_Option", INT)                                               \
	X(DISPLAY_TYPE, "Display_Type", INT)                                                   \
	X(DISPLAY_ECHO, "Display_Echo", INT)                                                   \
	X(PROMPT_OPTION, "Prompt_Option", INT)                                                 \
	X(IMMEDIATE_PROMPT, "Immediate_Prompt_Response", INT)                                  \
	X(PROMPT_RESPONSES, "Prompt_Responses_String", TEXT)                                   \
	X(CURSOR_STATUS, "Cursor_Status", INT)                                                 \
	X(DND_MSG_INDEX, "Canned_DND_Msg_Index", INT)                                          \
	X(CUSTOM_TEXT, "Custom_Text", TEXT)                                                    \
	X(FORMAT_SETTING, "Format_Setting", INT)                                               \
	X(FEATURE_STRING, "Extension_Feature_String", FREE)                                    \
	X(RESERVE_CONNECTION, "Reserve_Connection", INT)                                       \
	X(LEAVE_AT_DIALTONE, "Leave_At_Dialtone", INT)                                         \
	X(HOLD_TYPE, "Hold_Type", INT)                                                         \
	X(ANNOUNCEMENT_EXT, "Announcement_Overflow_Extension", EXT)                            \
	X(DIGITS, "Digit_String", FREE)                                                        \
	X(IS_CALL_RETURN, "Is_Call_Return_Message", INT)                                       \
	X(TRANSFER_CALL_ID, "Call_ID_Of_Call_To_Transfer", FREE)                               \
	X(CALLER_ID_NUM, "Caller_ID_Number", FREE)                                             \
	X(CALLER_ID_NAME, "Caller_ID_Name", TEXT)                                              \
	X(DEST_TYPE, "Dest_Type", INT)                                                         \
	X(HUMAN_ANSWER, "OfficeLink_Human_Answer_Supervision", INT)                            \
	X(MONITOR_TYPE, "Monitor_Type", INT)                                                   \
	X(MONITOR_TYPE_ADV, "Monitor_Type_Advanced", INT)                                      \
	X(MON_COUNT, "Number_Of_Monitors", DIGITS)                                             \
	X(MSG_INDICATOR, "MSG_Indicator", INT)                                                 \
	X(NUM_SESSIONS, "Number_of_Monitor_Sessions", INT)                                     \
	X(MONITOR_DATA, "Monitor_Data", FREE)                                                  \
	X(TIMEOUT, "Timeout", INT)                                                             \
	X(OFFER_TRANSFERRED, "Offer_Transferred_Calls", INT)                                   \
	X(OLD_PASSWORD, "Old_Station_Password", FREE)                                          \
	X(NEW_PASSWORD, "New_Station_Password", FREE)                                          \
	X(BIN_NUMBER, "Stn_Bin_Number", INT)                                                   \
	X(CHANGE_TYPE, "Change_Type", INT)                                                     \
	X(DATA1, "Data1", FREE)                                                                \
	X(DATA2, "Data2", FREE)                                                                \
	X(NUM_ENTRIES, "Number_of_Entries", DIGITS)                                            \
	X(AGENT_MODE, "ACD_UCD_Mode", INT)                                                     \
	X(DEVICE_CLASS, "Device_Class", FREE)                                                  \
	X(DEVICE_INFO, "Device_Info", FREE)                                                    \
	X(KEYSET_LANGUAGE, "Keyset_Language", INT)                                             \
	X(ACTUAL_LANGUAGE, "Actual_Keyset_Language", INT)                                      \
	X(CHARSETS, "Character_Sets_Supported", FREE)                                          \
	X(RUNNING_TIMER, "Supports_Running_Timer", INT)                                        \
	X(SCROLLING, "Supports_Scrolling_Display", INT)                                        \
	X(LIST_TYPE, "List_Type", INT)                                                         \
	X(ENTITY_MASK, "Entity_Field_Mask", HEX)                                               \
	X(RESPONSE_MODE, "Response_Mode", INT)                                                 \
	X(RESPONSE_SIZE, "Response_Size", INT)                                                 \
	X(ENTITY_COUNT, "Entity_Count", DIGITS)                                                \
	X(ENTITY_KEY, "Entity_Key", FREE)                                                      \
	X(ENTITY, "Entity_Data", FREE)                                                         \
	X(IN_INIT_STATE, "InInitState", INT)                                                   \
	X(HUNT_GROUP_TYPE, "Hunt_Group_Type", INT)                                             \
	X(NUM_EXTENSIONS, "Number_of_Extensions", DIGITS)                                      \
	X(NUM_NODES, "NumNodes", DIGITS)                                                       \
	X(NODE_STATUS, "Node_Status", INT)                                                     \
	X(NODE_DATA, "Node_Data", FREE)                                                        \
	X(AGENT_STATE, "Agent_State", INT)                                                     \
	X(FORWARD_DEST, "Forward_Destination", FREE)                                           \
	X(VOLUME, "Volume", INT)                                                               \
	X(SAVE, "Save", INT)                                                                   \
	X(NUM_CALLS, "Number_of_Calls", DIGITS)                                                \
	X(NEW_CALL_ID, "New_Call_ID", FREE)                                                    \
	X(TRANSFER_TYPE, "Transfer_Type", INT)                                                 \
	X(DESTINATION_NUM, "Destination_Number", FREE)                                         \
	X(TRANSIENT_DISPLAY_TYPE, "Transient_Display_Type", INT)                               \
	X(PASSWORD_TYPE, "Password_Type", INT)                                                 \
	X(PASSWORD, "Password", FREE)                                                          \
	X(RESPONSE_ORDERED, "Command_Response_Ordered", INT)                                   \
	X(EVENTS_DELAYED, "Events_Delayed", INT)                                               \
	X(TAG, "Tag", FREE)                                                                    \
	X(ATTACHMENT_DATA, "Attachment_Data", TEXT)                                            \
	X(REGISTRATION_FLAG, "Registration_Flag", INT)                                         \
	X(NUM_ATTACHMENTS, "Num_Attachments", INT)                                             \
	X(TAG_ITEM, "Tag_Item", FREE)                                                          \
	X(TARGET_APP, "Target_Application", FREE)                                              \
	X(NUM_APPS, "Number_Of_Apps", INT)                                                     \
	X(APP_DATA, "AppData", FREE)                                                           \
	X(INFO_TYPE, "Type", INT)                                                              \
	X(ITEM_NUMBER, "Item_Number", INT)                                                     \
	X(INFO, "Info", FREE)                                                                  \
	X(BYTES_SENT, "Bytes_Sent", INT)                                                       \
	X(BYTES_RECEIVED, "Bytes_Received", INT)                                               \
	X(MSGS_SENT, "Msgs_Sent", INT)                                                         \
	X(MSGS_RCVD, "Msgs_Rcvd", INT)                                                         \
	X(MINOR_ALARMS, "Minor_Alarms", INT)                                                   \
	X(MAJOR_ALARMS, "Major_Alarms", INT)                                                   \
	X(NUM_CONNECTIONS, "Number_Of_Switch_Connections", INT)                                \
	X(SWITCH_DATA, "Switch_Data", FREE)                                                    \
	X(VERSION_NUMBER, "Version_Number", FREE)                                              \
	X(VERSION_TYPE, "Version_Type", FREE)                                                  \
	X(SETTING, "Setting", INT)                                                             \
	X(MODE, "Mode", INT)                                                                   \
	X(ARG, "Argument", FREE)                                                               \
	X(EXTRA, "Extra", FREE)

/* ---- schema markers (see the top of this file) ----------------------------------------- */

#define OAI_S_OPT	 0x8000u
#define OAI_S_GROUP(w)	 (0x8100u | (w))
#define OAI_S_QX	 0x8200u
#define OAI_S_REST	 0x8300u
#define OAI_S_AT(i)	 (0x8400u | (i))
#define OAI_S_IS_MARK(e) (((e) & 0x8000u) != 0)

/* ---- events (oai.md 4) ------------------------------------------------------------------ */

#define OAI_CATEGORY_LIST(X)                                                                   \
	X(AGENT, "agent event (4.2)")                                                          \
	X(CALL, "call event (4.3)")                                                            \
	X(FEATURE, "feature event (4.4)")                                                      \
	X(SYSTEM, "system event (4.5)")                                                        \
	X(MISC, "miscellaneous event (4.6)")                                                   \
	X(GATEWAY, "CT Gateway event (4.6)")

/* Every normal event starts with the xref of its monitor at index 3. */
#define OAI__XR OAI_F_XREF

/*
 * X(ID, "EV", CATEGORY, "Name", (schema from index 3)).  FE has two layouts: the live one
 * (Resync_Code blank) and the resync one, which the decoder reports as OAI_EV_FE_MASK; both
 * are "FE" on the wire.
 */
#define OAI_EVENT_LIST(X)                                                                      \
	X(LN, "LN", AGENT, "Logon",                                                            \
	    (OAI__XR, OAI_F_DEVICE_EXT, OAI_F_AGENT_ID, OAI_F_AGENT_DESC, OAI_F_HUNT_GROUP))   \
	X(LF, "LF", AGENT, "Logoff",                                                           \
	    (OAI__XR, OAI_F_DEVICE_EXT, OAI_F_AGENT_ID, OAI_F_AGENT_DESC, OAI_F_HUNT_GROUP))   \
	X(RY, "RY", AGENT, "Ready", (OAI__XR, OAI_F_DEVICE_EXT, OAI_F_AGENT_ID))               \
	X(NRY, "NRY", AGENT, "Not Ready", (OAI__XR, OAI_F_DEVICE_EXT, OAI_F_AGENT_ID))         \
	X(WNR, "WNR", AGENT, "Work Not Ready", (OAI__XR, OAI_F_DEVICE_EXT, OAI_F_AGENT_ID))    \
	X(CC, "CC", CALL, "Call Cleared",                                                      \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_CAUSE, OAI_S_OPT, OAI_F_TRANSFERRED_CALL_ID,        \
	    OAI_F_TRANSFER_DEST))                                                              \
	X(CO, "CO", CALL, "Conferenced",                                                       \
	    (OAI__XR, OAI_F_SUBJECT_EXT, OAI_F_PRIMARY_CALL_ID, OAI_F_SECONDARY_CALL_ID,       \
	    OAI_F_CONF_CONTROLLER_EXT, OAI_F_NUM_PARTIES, OAI_S_GROUP(2), OAI_F_PARTY_EXT,     \
	    OAI_F_PARTY_CALL_ID, OAI_F_LCS, OAI_F_CAUSE))                                      \
	X(XC, "XC", CALL, "Connection Cleared",                                                \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_CLEARED_EXT, OAI_F_TERMINATING_EXT, OAI_F_LCS,      \
	    OAI_F_CAUSE))                                                                      \
	X(DE, "DE", CALL, "Delivered",                                                         \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_ALERTING_EXT, OAI_F_ALERTING_OUTSIDE_NUM,           \
	    OAI_F_ALERTING_DEV_TYPE, OAI_F_CALLING_EXT, OAI_F_CALLER_NAME,                     \
	    OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME, OAI_F_TRUNK_OUTSIDE_NUM,                       \
	    OAI_F_CALLING_DEV_TYPE, OAI_F_ORIG_CALLED_DEV, OAI_F_LAST_REDIR_EXT,               \
	    OAI_F_ACCOUNT_CODE, OAI_F_LCS, OAI_F_CAUSE, OAI_S_OPT, OAI_F_ACD_GROUP))           \
	X(DI, "DI", CALL, "Diverted",                                                          \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_DIVERTED_FROM_EXT, OAI_F_NEW_DEST_EXT,              \
	    OAI_F_DIVERTED_TO_NUM, OAI_F_LCS, OAI_F_CAUSE))                                    \
	X(ER, "ER", CALL, "Established Routing",                                               \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_ANSWERING_EXT, OAI_F_ANSWERING_OUTSIDE_NUM,         \
	    OAI_F_ANSWERING_DEV_TYPE, OAI_F_CALLING_EXT, OAI_F_CALLER_NUM,                     \
	    OAI_F_TRUNK_OUTSIDE_NUM, OAI_F_CALLING_DEV_TYPE, OAI_F_ORIG_CALLED_DEV,            \
	    OAI_F_LAST_REDIR_EXT, OAI_F_LCS, OAI_F_CAUSE))                                     \
	X(ES, "ES", CALL, "Established",                                                       \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_ANSWERING_EXT, OAI_F_ANSWERING_OUTSIDE_NUM,         \
	    OAI_F_ANSWERING_DEV_TYPE, OAI_F_CALLING_EXT, OAI_F_CALLER_NUM,                     \
	    OAI_F_TRUNK_OUTSIDE_NUM, OAI_F_CALLING_DEV_TYPE, OAI_F_ORIG_CALLED_DEV,            \
	    OAI_F_LAST_REDIR_EXT, OAI_F_LCS, OAI_F_CAUSE))                                     \
	X(FA, "FA", CALL, "Failed",                                                            \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_FAILED_EXT, OAI_F_CALLED_NUM, OAI_F_LCS,            \
	    OAI_F_CAUSE))                                                                      \
	X(HE, "HE", CALL, "Held",                                                              \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_HOLD_EXT, OAI_F_LCS, OAI_F_CAUSE))                  \
	X(NT, "NT", CALL, "Network Reached",                                                   \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_TRUNK_USED, OAI_F_DIALED_NUM, OAI_F_LCS,            \
	    OAI_F_CAUSE))                                                                      \
	X(OR, "OR", CALL, "Originated",                                                        \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_CALLING_EXT, OAI_F_CALLER_NUM,                      \
	    OAI_F_CALLING_DEV_TYPE, OAI_F_DIALED_NUM, OAI_F_ACCOUNT_CODE, OAI_F_LCS,           \
	    OAI_F_CAUSE))                                                                      \
	X(QU, "QU", CALL, "Queued",                                                            \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_QUEUED_EXT, OAI_F_CALLING_EXT,                      \
	    OAI_F_CALLER_NAME, OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME,                             \
	    OAI_F_TRUNK_OUTSIDE_NUM, OAI_F_CALLING_DEV_TYPE, OAI_F_ORIG_CALLED_DEV,            \
	    OAI_F_LAST_REDIR_EXT, OAI_F_NUM_QUEUED, OAI_F_ACCOUNT_CODE, OAI_F_LCS,             \
	    OAI_F_CAUSE))                                                                      \
	X(RE, "RE", CALL, "Retrieved",                                                         \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_RETRIEVING_EXT, OAI_F_LCS, OAI_F_CAUSE,             \
	    OAI_F_RETRIEVED_EXT, OAI_F_RETRIEVED_OUTSIDE_NUM, OAI_F_RETRIEVED_TRUNK_NUM,       \
	    OAI_F_RETRIEVED_DEV_TYPE))                                                         \
	X(SI, "SI", CALL, "Service Initiated",                                                 \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_INITIATING_EXT, OAI_F_LCS, OAI_F_CAUSE,             \
	    OAI_S_OPT, OAI_F_CALLBACK_TARGET_EXT))                                             \
	X(TR, "TR", CALL, "Transferred",                                                       \
	    (OAI__XR, OAI_F_TRANSFERRED_CALL_ID, OAI_F_TRANSFERRING_EXT,                       \
	    OAI_F_TRANSFERRED_EXT, OAI_F_ANNOUNCEMENT_CALL_ID, OAI_F_DESTINATION_EXT,          \
	    OAI_F_CALLER_NAME, OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME,                             \
	    OAI_F_TRUNK_OUTSIDE_NUM, OAI_F_LCS, OAI_F_CAUSE))                                  \
	X(CB, "CB", FEATURE, "Callback",                                                       \
	    (OAI__XR, OAI_F_ON_OFF, OAI_F_AFFECTED_EXT, OAI_F_TARGET_EXT,                      \
	    OAI_F_TARGET_USERNAME, OAI_F_TARGET_PC_DESC, OAI_F_ACCOUNT_CODE,                   \
	    OAI_F_OUTSIDE_NUM))                                                                \
	X(CI, "CI", FEATURE, "Call Info",                                                      \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_DEVICE_EXT, OAI_F_ACCOUNT_CODE,                     \
	    OAI_F_CALLER_NAME, OAI_F_CALLER_NUM))                                              \
	X(OL, "OL", FEATURE, "Device Offline/Online",                                          \
	    (OAI__XR, OAI_F_EXTENSION, OAI_F_ONLINE, OAI_F_DEVICE_TYPE,                        \
	    OAI_F_PHYSICAL_DEVICE_TYPE))                                                       \
	X(DCE, "DCE", FEATURE, "Display Control Eliminated",                                   \
	    (OAI__XR, OAI_F_SUBJECT_EXT, OAI_F_REASON, OAI_F_DISPLAY_CONTROL_TYPE))            \
	X(DLC, "DLC", FEATURE, "Display Language Changed",                                     \
	    (OAI__XR, OAI_F_SUBJECT_EXT, OAI_F_NEW_LANGUAGE, OAI_F_PREV_LANGUAGE))             \
	X(DND, "DND", FEATURE, "Do-Not-Disturb",                                               \
	    (OAI__XR, OAI_F_DND_EXT, OAI_F_DND_MESSAGE, OAI_F_DND_TEXT))                       \
	X(ET, "ET", FEATURE, "Elapsed Time for CO Call",                                       \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_AFFECTED_EXT, OAI_F_ELAPSED))                       \
	X(FE, "FE", FEATURE, "Feature Status",                                                 \
	    (OAI__XR, OAI_F_EXTENSION, OAI_F_LOGICAL_NUMBER, OAI_F_ON_OFF))                    \
	X(FE_MASK, "FE", FEATURE, "Feature Status (resync mask)",                              \
	    (OAI__XR, OAI_F_EXTENSION, OAI_F_FEATURE_STATUS_MASK))                             \
	X(FW, "FW", FEATURE, "Forwarded",                                                      \
	    (OAI__XR, OAI_F_FORWARDING_EXT, OAI_F_DESTINATION_EXT, OAI_F_OUTSIDE_NUM,          \
	    OAI_F_FORWARD_TYPE))                                                               \
	X(GI, "GI", FEATURE, "General Information",                                            \
	    (OAI__XR, OAI_F_AFFECTED_EXT, OAI_F_CALL_ID, OAI_F_DESTINATION_EXT,                \
	    OAI_F_REASON))                                                                     \
	X(MU, "MU", FEATURE, "Keyset Mute", (OAI__XR, OAI_F_EXTENSION, OAI_F_ON_OFF))          \
	X(MW, "MW", FEATURE, "Message Waiting",                                                \
	    (OAI__XR, OAI_F_RECEIVING_EXT, OAI_F_LEAVING_EXT, OAI_F_MAILBOX,                   \
	    OAI_F_NUM_MESSAGES, OAI_F_ON_OFF))                                                 \
	X(OE, "OE", FEATURE, "Offering Ended", (OAI__XR, OAI_F_AFFECTED_EXT, OAI_F_REASON))    \
	X(AG, "AG", SYSTEM, "Alarm Generation",                                                \
	    (OAI__XR, OAI_F_SYSTEM_ID, OAI_F_NODE, OAI_F_AFFECTED_EXT, OAI_F_ALARM_NUMBER,     \
	    OAI_F_ALARM_TEXT, OAI_F_UNIQUE_ID))                                                \
	X(DC, "DC", SYSTEM, "Database Change",                                                 \
	    (OAI__XR, OAI_F_NODE, OAI_F_DATABASE_AREA, OAI_S_REST, OAI_F_CHANGE_DATA))         \
	X(EC, "EC", SYSTEM, "Extension Change",                                                \
	    (OAI__XR, OAI_F_NODE, OAI_F_OLD_EXT, OAI_F_NEW_EXT, OAI_F_DEVICE_TYPE))            \
	X(NM, "NM", SYSTEM, "Night Mode Status", (OAI__XR, OAI_F_NODE, OAI_F_ON_OFF))          \
	X(DSC, "DSC", MISC, "Display Station Change",                                          \
	    (OAI__XR, OAI_F_SUBJECT_EXT, OAI_F_DISPLAY_CONTROL_TYPE,                           \
	    OAI_F_DISPLAY_EVENT_TYPE, OAI_F_DISPLAY_EVENT_ACTION, OAI_F_INPUT))                \
	X(DEE, "DEE", MISC, "Display Entered Extension",                                       \
	    (OAI__XR, OAI_F_SUBJECT_EXT, OAI_F_DISPLAY_CONTROL_TYPE,                           \
	    OAI_F_EXTENSION_ENTERED, OAI_F_EXTENSION_VALID))                                   \
	X(ME, "ME", MISC, "Monitor Ended", (OAI__XR, OAI_F_CAUSE))                             \
	X(OF, "OF", MISC, "Offered",                                                           \
	    (OAI__XR, OAI_F_CALL_ID, OAI_F_ALERTING_EXT, OAI_F_ALERTING_OUTSIDE_NUM,           \
	    OAI_F_ALERTING_DEV_TYPE, OAI_F_CALLING_EXT, OAI_F_CALLER_NAME,                     \
	    OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME, OAI_F_TRUNK_OUTSIDE_NUM,                       \
	    OAI_F_CALLING_DEV_TYPE, OAI_F_ORIG_CALLED_DEV, OAI_F_LAST_REDIR_EXT,               \
	    OAI_F_ACCOUNT_CODE, OAI_F_LCS, OAI_F_CAUSE, OAI_S_OPT, OAI_F_HUNT_GROUP_ID))       \
	X(PE, "PE", MISC, "Ports Exceeded", (OAI_F_MAX_PORTS))                                 \
	X(RD, "RD", MISC, "Resync Ended", (OAI_F_SPECIFIC_EXT))                                \
	X(RS, "RS", MISC, "Resync Response",                                                   \
	    (OAI_F_TIME, OAI_F_DATE, OAI_F_PROTOCOL_VERSION, OAI_F_KSU_VERSION,                \
	    OAI_F_PREMIUM_STATUS, OAI_F_NODE, OAI_F_NETWORKING, OAI_F_COUNTRY,                 \
	    OAI_F_TCPIP))                                                                      \
	X(SMR, "SMR", MISC, "Station Message Recording",                                       \
	    (OAI__XR, OAI_F_NODE_NUMBER, OAI_F_SMDR_INFO))                                     \
	X(CS, "CS", GATEWAY, "Connection Status",                                              \
	    (OAI_F_CONNECTION_NUMBER, OAI_F_CONNECTION_STATE, OAI_F_PREV_NODE,                 \
	    OAI_F_CURRENT_NODE))                                                               \
	X(GDA, "GDA", GATEWAY, "Gateway Data from Application",                                \
	    (OAI__XR, OAI_F_SENDING_APP, OAI_F_SENDING_APP_NAME, OAI_F_SENDING_APP_ADDR,       \
	    OAI_F_BYTE_COUNT, OAI_F_DATA))                                                     \
	X(LS, "LS", GATEWAY, "Link Status",                                                    \
	    (OAI_F_NODE_NUMBER, OAI_F_LINK_STATUS, OAI_F_REASON))

/* ---- commands (oai.md 3.5) -------------------------------------------------------------- */

/* Layouts the sources do not show: any arguments, any extras. */
#define OAI__ANY_ARGS  (OAI_S_REST, OAI_F_ARG)
#define OAI__ANY_EXTRA (OAI_S_REST, OAI_F_EXTRA)
#define OAI__AE	       OAI_F_AFFECTED_EXT
#define OAI__AE_CID    OAI_F_AFFECTED_EXT, OAI_F_CALL_ID
#define OAI__AE_DCT    OAI_F_AFFECTED_EXT, OAI_F_DISPLAY_CONTROL_TYPE

/*
 * X(ID, "_XX", "Name", (arguments after the InvokeID), (CF fields after the Outcome)).
 * Arguments after OAI_S_OPT are written only up to the last one set.  "RR" and "RT" are the
 * legacy forms without an InvokeID (their arguments start at index 1).
 */
#define OAI_CMD_LIST(X)                                                                        \
	X(AOC, "_AOC", "Accept Offered Call",                                                  \
	    (OAI__AE_CID, OAI_S_OPT, OAI_F_PROHIBIT_CONNECT, OAI_F_OVERRIDE_DND),              \
	    (OAI__AE_CID))                                                                     \
	X(AC, "_AC", "Answer Call", (OAI__AE_CID), ())                                         \
	X(CCB, "_CCB", "Cancel Callback", (OAI__AE, OAI_F_TARGET_EXT), ())                     \
	X(CCT, "_CCT", "Control Call Timers",                                                  \
	    (OAI__AE_CID, OAI_F_DISABLE_TRANSFER_RECALL, OAI_F_DISABLE_SYSTEM_FORWARDS,        \
	    OAI_F_CLEAR_OFFERING_TIMER),                                                       \
	    (OAI__AE_CID))                                                                     \
	X(CE, "_CE", "Change Event Filter", (OAI_F_XREF, OAI_S_REST, OAI_F_FILTER),            \
	    (OAI_S_REST, OAI_F_FILTER))                                                        \
	X(CT, "_CT", "Change Timer", (OAI__AE_CID, OAI_F_TIMER, OAI_F_NEW_DURATION), ())       \
	X(CC, "_CC", "Clear Call", (OAI__AE_CID), ())                                          \
	X(CX, "_CX", "Clear Connection", (OAI__AE_CID, OAI_F_COMPLETE_TRANSFER), ())           \
	X(CN, "_CN", "Conference Call",                                                        \
	    (OAI__AE, OAI_F_HELD_CALL_ID, OAI_F_ACTIVE_CALL_ID),                               \
	    (OAI_F_CONF_CONTROLLER_EXT, OAI_F_CNF_CALL_ID, OAI_F_NUM_DEVICES,                  \
	    OAI_S_GROUP(2), OAI_F_PARTY_EXT, OAI_F_PARTY_CALL_ID))                             \
	X(CM, "_CM", "Conference Call (Multi-Party)",                                          \
	    (OAI__AE, OAI_F_NUM_PARTIES, OAI_S_GROUP(1), OAI_F_PARTY_CALL_ID),                 \
	    (OAI_F_CONF_CONTROLLER_EXT, OAI_F_CNF_CALL_ID, OAI_F_NUM_DEVICES,                  \
	    OAI_S_GROUP(2), OAI_F_PARTY_EXT, OAI_F_PARTY_CALL_ID))                             \
	X(CS, "_CS", "Consultation Call",                                                      \
	    (OAI__AE_CID, OAI_F_CALL_DESTINATION, OAI_F_ACCOUNT_CODE, OAI_S_OPT,               \
	    OAI_F_OVERRIDE_DND),                                                               \
	    (OAI__AE_CID))                                                                     \
	X(DF, "_DF", "Deflect Call",                                                           \
	    (OAI__AE_CID, OAI_F_DESTINATION_DEV, OAI_F_MAILBOX, OAI_F_TOLL_STATION,            \
	    OAI_F_OVERRIDE_DND, OAI_F_ACCOUNT_CODE),                                           \
	    ())                                                                                \
	X(DCR, "_DCR", "Display Counter",                                                      \
	    (OAI__AE_DCT, OAI_F_COUNTER_STATE, OAI_F_INIT_MINUTES, OAI_F_INIT_SECONDS),        \
	    (OAI__AE_DCT))                                                                     \
	X(DEC, "_DEC", "Display Eliminate Control", (OAI__AE_DCT), (OAI__AE_DCT))              \
	X(DGT, "_DGT", "Display Generic Tone",                                                 \
	    (OAI__AE_DCT, OAI_F_GENERIC_TONE, OAI_F_TONE_STATUS), (OAI__AE_DCT))               \
	X(DRC, "_DRC", "Display Request Control",                                              \
	    (OAI__AE_CID, OAI_F_DISPLAY_CONTROL_TYPE),                                         \
	    (OAI__AE_CID, OAI_F_DISPLAY_CONTROL_TYPE, OAI_F_DISPLAY_MODEL, OAI_S_REST,         \
	    OAI_F_DISPLAY_INFO))                                                               \
	X(DTD, "_DTD", "Display Transparent Display",                                          \
	    (OAI__AE_DCT, OAI_F_INFO_DISPLAY, OAI_F_MENU_DISPLAY, OAI_F_DISPLAY_OPTION,        \
	    OAI_F_DISPLAY_TYPE, OAI_F_DISPLAY_ECHO, OAI_F_PROMPT_OPTION,                       \
	    OAI_F_IMMEDIATE_PROMPT),                                                           \
	    (OAI__AE_DCT))                                                                     \
	X(DPR, "_DPR", "Display Transparent Prompt Responses",                                 \
	    (OAI__AE_DCT, OAI_F_PROMPT_RESPONSES, OAI_F_CURSOR_STATUS), (OAI__AE_DCT))         \
	X(DD, "_DD", "Divert To DND",                                                          \
	    (OAI__AE_CID, OAI_F_DND_MSG_INDEX, OAI_F_CUSTOM_TEXT), ())                         \
	X(XE, "_XE", "Expanded Extension", (OAI_F_FORMAT_SETTING), (OAI_F_FORMAT_SETTING))     \
	X(EF, "_EF", "Extension Feature", (OAI__AE_CID, OAI_F_FEATURE_STRING), ())             \
	X(HC, "_HC", "Hold Call",                                                              \
	    (OAI__AE_CID, OAI_S_OPT, OAI_F_RESERVE_CONNECTION, OAI_F_LEAVE_AT_DIALTONE,        \
	    OAI_F_HOLD_TYPE),                                                                  \
	    ())                                                                                \
	X(HM, "_HM", "Hunt Group Merge Out",                                                   \
	    (OAI_F_HUNT_GROUP, OAI_F_ANNOUNCEMENT_EXT, OAI_F_CALL_ID), ())                     \
	X(MC, "_MC", "Make Call",                                                              \
	    (OAI__AE, OAI_F_DIGITS, OAI_S_OPT, OAI_F_ACCOUNT_CODE, OAI_F_IS_CALL_RETURN,       \
	    OAI_F_TRANSFER_CALL_ID, OAI_F_MAILBOX, OAI_F_OVERRIDE_DND, OAI_F_CALLER_ID_NUM,    \
	    OAI_F_CALLER_ID_NAME, OAI_F_DEST_TYPE, OAI_F_HUMAN_ANSWER),                        \
	    (OAI_F_CALL_ID, OAI__AE))                                                          \
	X(MD, "_MD", "Modify Call",                                                            \
	    (OAI__AE_CID, OAI_F_CALLER_NAME, OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME,               \
	    OAI_F_TRUNK_OUTSIDE_NUM, OAI_F_ACCOUNT_CODE),                                      \
	    ())                                                                                \
	X(MS, "_MS", "Monitor Start",                                                          \
	    (OAI_F_AFFECTED_ID, OAI_F_MONITOR_TYPE, OAI_S_REST, OAI_F_FILTER),                 \
	    (OAI_F_MON_COUNT, OAI_S_GROUP(2), OAI_F_XREF, OAI_F_AFFECTED_ID, OAI_S_REST,       \
	    OAI_F_FILTER))                                                                     \
	X(MA, "_MA", "Monitor Start Advanced",                                                 \
	    (OAI_F_AFFECTED_ID, OAI_F_MONITOR_TYPE_ADV, OAI_S_REST, OAI_F_FILTER),             \
	    (OAI_F_MSG_INDICATOR, OAI_F_MONITOR_TYPE_ADV, OAI_F_NUM_SESSIONS, OAI_S_REST,      \
	    OAI_F_MONITOR_DATA))                                                               \
	X(MP, "_MP", "Monitor Stop", (OAI_F_XREF), ())                                         \
	X(MO, "_MO", "Move Call",                                                              \
	    (OAI__AE_CID, OAI_F_DESTINATION_DEV, OAI_F_MAILBOX, OAI_F_TOLL_STATION,            \
	    OAI_F_OVERRIDE_DND),                                                               \
	    ())                                                                                \
	X(NO, "_NO", "No Operation", (),                                                       \
	    (OAI_F_NUM_NODES, OAI_S_GROUP(2), OAI_F_NODE_NUMBER, OAI_F_NODE_STATUS))           \
	X(OEC, "_OEC", "Offering Eliminate Control", (OAI__AE), (OAI__AE))                     \
	X(ORC, "_ORC", "Offering Request Control",                                             \
	    (OAI__AE, OAI_F_TIMEOUT, OAI_F_OFFER_TRANSFERRED),                                 \
	    (OAI__AE, OAI_S_REST, OAI_F_EXTRA))                                                \
	X(PC, "_PC", "Pickup Call", (OAI__AE_CID, OAI_F_CURRENT_DEST_EXT), ())                 \
	X(PSP, "_PSP", "Program Station Password",                                             \
	    (OAI__AE, OAI_F_OLD_PASSWORD, OAI_F_NEW_PASSWORD), (OAI__AE))                      \
	X(PSS, "_PSS", "Program Station Speed-Dial Bins",                                      \
	    (OAI__AE, OAI_F_BIN_NUMBER, OAI_F_CHANGE_TYPE, OAI_F_DATA1, OAI_F_DATA2), ())      \
	X(QA, "_QA", "Query Agent State", (OAI__AE, OAI_F_AGENT_ID, OAI_F_HUNT_GROUP),         \
	    (OAI_F_NUM_ENTRIES, OAI_S_GROUP(3), OAI_F_AGENT_ID, OAI_F_HUNT_GROUP,              \
	    OAI_F_AGENT_MODE))                                                                 \
	X(QC, "_QC", "Query Country Code", (OAI__AE), (OAI_F_COUNTRY))                         \
	X(QI, "_QI", "Query Device Info", (OAI__AE),                                           \
	    (OAI__AE, OAI_F_DEVICE_TYPE, OAI_F_DEVICE_CLASS, OAI_F_DESCRIPTION,                \
	    OAI_F_USERNAME, OAI_S_REST, OAI_F_DEVICE_INFO))                                    \
	X(DQD, "_DQD", "Query Display", (OAI__AE),                                             \
	    (OAI_F_DISPLAY_MODEL, OAI_F_KEYSET_LANGUAGE, OAI_F_ACTUAL_LANGUAGE,                \
	    OAI_F_CHARSETS, OAI_F_RUNNING_TIMER, OAI_F_SCROLLING))                             \
	X(QD, "_QD", "Query DND", OAI__ANY_ARGS, OAI__ANY_EXTRA)                               \
	X(QE, "_QE", "Query Event Filter", (OAI_F_XREF), (OAI_S_REST, OAI_F_FILTER))           \
	X(QF, "_QF", "Query Forwarding", (OAI__AE),                                            \
	    (OAI_F_FORWARD_TYPE, OAI_F_DESTINATION_EXT))                                       \
	X(QH, "_QH", "Query Hunt Group", (OAI__AE),                                            \
	    (OAI_F_NUM_ENTRIES, OAI_S_GROUP(3), OAI_F_AGENT_ID, OAI_F_DEVICE_EXT,              \
	    OAI_F_AGENT_MODE, OAI_F_IN_INIT_STATE, OAI_F_HUNT_GROUP_TYPE))                     \
	X(QX, "_QX", "Query List Extended",                                                    \
	    (OAI__AE, OAI_F_LIST_TYPE, OAI_F_ENTITY_MASK, OAI_F_RESPONSE_MODE,                 \
	    OAI_F_RESPONSE_SIZE),                                                              \
	    (OAI_F_LIST_TYPE, OAI_F_ENTITY_MASK, OAI_F_MSG_INDICATOR, OAI_F_ENTITY_COUNT,      \
	    OAI_S_QX, OAI_F_ENTITY_KEY))                                                       \
	X(QL, "_QL", "Query List",                                                             \
	    (OAI__AE, OAI_F_LIST_TYPE, OAI_F_RESPONSE_MODE, OAI_F_RESPONSE_SIZE),              \
	    (OAI_S_AT(4), OAI_F_LIST_TYPE, OAI_F_OUTCOME, OAI_F_MSG_INDICATOR,                 \
	    OAI_F_ENTITY_COUNT, OAI_S_REST, OAI_F_ENTITY))                                     \
	X(QM, "_QM", "Query Message Waiting", (OAI__AE),                                       \
	    (OAI_F_NUM_EXTENSIONS, OAI_S_GROUP(6), OAI_F_EXTENSION, OAI_F_DESCRIPTION,         \
	    OAI_F_TIME, OAI_F_DATE, OAI_F_MAILBOX, OAI_F_NUM_MESSAGES))                        \
	X(QN, "_QN", "Query Network Node Number", (OAI__AE),                                   \
	    (OAI_F_NUM_NODES, OAI_S_REST, OAI_F_NODE_DATA))                                    \
	X(QT, "_QT", "Query Night Mode", (OAI__AE), (OAI_F_ON_OFF))                            \
	X(QUD, "_QUD", "Query User Destination", OAI__ANY_ARGS, OAI__ANY_EXTRA)                \
	X(QUR, "_QUR", "Query User Routing", OAI__ANY_ARGS, OAI__ANY_EXTRA)                    \
	X(RC, "_RC", "Reconnect Call", (OAI__AE, OAI_F_CLEAR_CALL_ID, OAI_F_HELD_CALL_ID),     \
	    ())                                                                                \
	X(RCB, "_RCB", "Request Callback", (OAI__AE_CID), ())                                  \
	X(RP, "_RP", "Reset Port", (), ())                                                     \
	X(RR, "_RR", "Resync Request", (OAI__AE), (OAI__AE))                                   \
	X(RT, "_RT", "Resync System Time", (OAI_S_OPT, OAI_F_SPECIFIC_EXT), ())                \
	X(RR_LEGACY, "RR", "Resync Request (legacy, no InvokeID)", (OAI_F_SPECIFIC_EXT), ())   \
	X(RT_LEGACY, "RT", "Resync System Time (legacy, no InvokeID)",                         \
	    (OAI_S_OPT, OAI_F_SPECIFIC_EXT), ())                                               \
	X(RV, "_RV", "Retrieve Call", (OAI__AE_CID), ())                                       \
	X(SA, "_SA", "Set Agent State",                                                        \
	    (OAI__AE, OAI_F_AGENT_ID, OAI_F_AGENT_STATE, OAI_F_HUNT_GROUP), ())                \
	X(SD, "_SD", "Set Do-Not-Disturb",                                                     \
	    (OAI__AE, OAI_F_ON_OFF, OAI_F_DND_MSG_INDEX, OAI_F_CUSTOM_TEXT), ())               \
	X(SF, "_SF", "Set Forwarding",                                                         \
	    (OAI__AE, OAI_F_FORWARD_TYPE, OAI_F_FORWARD_DEST, OAI_F_ON_OFF), ())               \
	X(SM, "_SM", "Set Message Waiting Indication",                                         \
	    (OAI__AE, OAI_F_ON_OFF, OAI_F_LEAVING_EXT, OAI_F_NUM_MESSAGES, OAI_F_MAILBOX),     \
	    ())                                                                                \
	X(ST, "_ST", "Set Night Mode", OAI__ANY_ARGS, OAI__ANY_EXTRA)                          \
	X(SUD, "_SUD", "Set User Destination", OAI__ANY_ARGS, OAI__ANY_EXTRA)                  \
	X(SUI, "_SUI", "Set User Information", OAI__ANY_ARGS, OAI__ANY_EXTRA)                  \
	X(SV, "_SV", "Set Volume", (OAI__AE, OAI_F_VOLUME, OAI_F_SAVE), ())                    \
	X(SP, "_SP", "Snapshot Device", (OAI__AE),                                             \
	    (OAI_F_NUM_CALLS, OAI_S_GROUP(2), OAI_F_CALL_ID, OAI_F_LCS))                       \
	X(TR, "_TR", "Transfer Call",                                                          \
	    (OAI__AE, OAI_F_HELD_CALL_ID, OAI_F_ANNOUNCEMENT_CALL_ID, OAI_S_OPT,               \
	    OAI_F_TRANSFER_TYPE),                                                              \
	    (OAI_F_NEW_CALL_ID, OAI_F_DESTINATION_EXT, OAI_F_TRANSFERRED_EXT,                  \
	    OAI_F_CALLER_NAME, OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME,                             \
	    OAI_F_TRUNK_OUTSIDE_NUM))                                                          \
	X(TO, "_TO", "Transfer Call (One Step)",                                               \
	    (OAI__AE_CID, OAI_F_DESTINATION_NUM, OAI_S_OPT, OAI_F_MAILBOX,                     \
	    OAI_F_TOLL_STATION, OAI_F_OVERRIDE_DND, OAI_F_CALLER_ID_NUM,                       \
	    OAI_F_CALLER_ID_NAME),                                                             \
	    (OAI_F_NEW_CALL_ID, OAI_F_DESTINATION_EXT, OAI_F_CALLER_NAME, OAI_F_CALLER_NUM,    \
	    OAI_F_TRUNK_NAME, OAI_F_TRUNK_OUTSIDE_NUM))                                        \
	X(TD, "_TD", "Transient Display",                                                      \
	    (OAI__AE, OAI_F_TRANSIENT_DISPLAY_TYPE, OAI_F_INFO_DISPLAY), (OAI__AE))            \
	X(VP, "_VP", "Verify Password", (OAI__AE, OAI_F_PASSWORD_TYPE, OAI_F_PASSWORD), ())    \
	X(AP, "_AP", "Application Parameters Programming",                                     \
	    (OAI_F_RESPONSE_ORDERED, OAI_F_EVENTS_DELAYED), ())                                \
	X(GAD, "_GAD", "Gateway Attach Data to Call",                                          \
	    (OAI_F_CALL_ID, OAI_F_TAG, OAI_F_BYTE_COUNT, OAI_F_ATTACHMENT_DATA),               \
	    (OAI_F_CALL_ID, OAI_F_TAG, OAI_F_DATE, OAI_F_TIME))                                \
	X(GDR, "_GDR", "Gateway Data Destination Registration", (OAI_F_REGISTRATION_FLAG),     \
	    ())                                                                                \
	X(GDD, "_GDD", "Gateway Delete Data to Attached Call", (OAI_F_CALL_ID, OAI_F_TAG),     \
	    (OAI_F_CALL_ID, OAI_F_TAG))                                                        \
	X(GMD, "_GMD", "Gateway Modify Data to Attached Call",                                 \
	    (OAI_F_CALL_ID, OAI_F_TAG, OAI_F_BYTE_COUNT, OAI_F_ATTACHMENT_DATA),               \
	    (OAI_F_CALL_ID, OAI_F_TAG, OAI_F_DATE, OAI_F_TIME))                                \
	X(GQD, "_GQD", "Gateway Query Data to Attached Call", (OAI_F_CALL_ID, OAI_F_TAG),      \
	    (OAI_F_NUM_ATTACHMENTS, OAI_S_REST, OAI_F_TAG_ITEM))                               \
	X(GRD, "_GRD", "Gateway Retrieve Data to Attached Call",                               \
	    (OAI_F_CALL_ID, OAI_F_TAG),                                                        \
	    (OAI_F_CALL_ID, OAI_F_TAG, OAI_F_DATE, OAI_F_TIME, OAI_F_BYTE_COUNT,               \
	    OAI_F_ATTACHMENT_DATA))                                                            \
	X(GSD, "_GSD", "Gateway Send Data",                                                    \
	    (OAI_F_TARGET_APP, OAI_F_BYTE_COUNT, OAI_F_DATA), ())                              \
	X(UQA, "_UQA", "Gateway Utility Query Applications", (),                               \
	    (OAI_F_NUM_APPS, OAI_S_REST, OAI_F_APP_DATA))                                      \
	X(UQI, "_UQI", "Gateway Utility Query Info", (OAI_F_INFO_TYPE, OAI_F_ITEM_NUMBER),     \
	    (OAI_F_INFO_TYPE, OAI_F_ITEM_NUMBER, OAI_S_REST, OAI_F_INFO))                      \
	X(UQS, "_UQS", "Gateway Utility Query Statistics",                                     \
	    (OAI_F_INFO_TYPE, OAI_F_ITEM_NUMBER),                                              \
	    (OAI_F_INFO_TYPE, OAI_F_ITEM_NUMBER, OAI_F_BYTES_SENT, OAI_F_BYTES_RECEIVED,       \
	    OAI_F_MSGS_SENT, OAI_F_MSGS_RCVD, OAI_F_MINOR_ALARMS, OAI_F_MAJOR_ALARMS))         \
	X(UQC, "_UQC", "Gateway Utility Query Switch Connections", (),                         \
	    (OAI_F_NUM_CONNECTIONS, OAI_S_REST, OAI_F_SWITCH_DATA))                            \
	X(UQV, "_UQV", "Gateway Utility Query Version", (),                                    \
	    (OAI_F_VERSION_NUMBER, OAI_F_VERSION_TYPE, OAI_F_PROTOCOL_VERSION))                \
	X(NA, "_NA", "Node Aware", (OAI_F_SETTING), (OAI_F_SETTING))                           \
	X(USS, "_USS", "Set Scope Command", (OAI_F_MODE, OAI_F_NODE_NUMBER), ())               \
	X(UAE, "_UAE", "Unifier Alarming Enable", OAI__ANY_ARGS, OAI__ANY_EXTRA)               \
	X(UQR, "_UQR", "Utility Query Redundant Data", OAI__ANY_ARGS, OAI__ANY_EXTRA)

/* ---- enumerations (oai.md 3.4, 5) ------------------------------------------------------- */

/* Outcome of a CF (3.4).  Codes not listed appear in no source. */
#define OAI_OUTCOME_LIST(X)                                                                    \
	X(SUCCESS, 0, "success")                                                               \
	X(GENERIC_UNSPECIFIED, 1, "Generic_Unspecified (bad or missing parameter)")            \
	X(INCOMPATIBLE_WITH_OBJECT, 3, "Request_Incompatible_With_Object")                     \
	X(INVALID_CALLED_DEVICE, 7, "Invalid_Called_Device")                                   \
	X(INVALID_CALL_IDENTIFIER, 8, "Invalid_Call_Identifier")                               \
	X(INVALID_DEVICE_IDENTIFIER, 9, "Invalid_Device_Identifier")                           \
	X(INVALID_FEATURE, 10, "Invalid_Feature")                                              \
	X(INVALID_DESTINATION, 11, "Invalid_Destination")                                      \
	X(INVALID_XREF, 12, "Invalid_Mon_Cross_Ref_ID")                                        \
	X(INVALID_OBJECT_STATE, 14, "Invalid_Object_State")                                    \
	X(STATE_INCOMPATIBILITY, 15, "Generic_State_Incompatibility")                          \
	X(NO_ACTIVE_CALL, 16, "No_Active_Call")                                                \
	X(NO_HELD_CALL, 17, "No_Held_Call")                                                    \
	X(NO_CALL_TO_CLEAR, 18, "No_Call_to_Clear")                                            \
	X(NO_CONNECTION_TO_CLEAR, 19, "No_Connection_To_Clear")                                \
	X(NO_CALL_TO_ANSWER, 20, "No_Call_to_Answer")                                          \
	X(RESOURCE_AVAILABILITY, 22, "Generic_System_Resource_Availability")                   \
	X(RESOURCE_BUSY, 24, "Resource_Busy")                                                  \
	X(NETWORK_OUT_OF_SERVICE, 25, "Network_Out_Of_Service")                                \
	X(CONFERENCE_LIMIT, 27, "Conference_Member_Limit_Exceeded")                            \
	X(MONITOR_LIMIT, 28, "Overall_Monitor_Limit_Exceeded")                                 \
	X(VALUE_OUT_OF_RANGE, 31, "Value_Out_Of_Range")                                        \
	X(INVALID_CONNECTION_ID, 32, "Invalid_Connection_ID_For_Active_Call")                  \
	X(INVALID_AGENT_ID, 33, "Invalid_Agent_ID")                                            \
	X(INVALID_FILTER_TYPE, 34, "Invalid_Filter_Type")                                      \
	X(INVALID_AGENT_FILTER, 35, "Invalid_Agent_Filter")                                    \
	X(INVALID_CALL_FILTER, 36, "Invalid_Call_Filter")                                      \
	X(INVALID_FEATURE_FILTER, 37, "Invalid_Feature_Filter")                                \
	X(MISSING_FILTER_TYPE, 38, "Missing_Filter_Type")                                      \
	X(INVALID_PASSWORD, 39, "Invalid_Password")                                            \
	X(INVALID_INVOKE_ID, 41, "Invalid_InvokeID")                                           \
	X(INVALID_SYSTEM_FILTER, 43, "Invalid_System_Filter")                                  \
	X(INVALID_MESSAGE_LENGTH, 44, "Invalid_Message_Length")                                \
	X(INVALID_COMMAND, 45, "Invalid_Command")                                              \
	X(OTHER_APP_HAS_CONTROL, 48, "Other_App_Has_Control")                                  \
	X(NOT_OWNER, 49, "Not_Owner_Of_Resource")                                              \
	X(INVALID_DEVICE_MONITOR, 50, "Invalid_Device_Monitor")                                \
	X(CALL_ID_CHANGED, 51, "Invalid_Call_Identifier_ID_Changed")

/* Event_Cause (5.1); "(R)" marks reserved causes. */
#define OAI_CAUSE_LIST(X)                                                                      \
	X(ACTIVE_MONITOR, 1, "Active Monitor")                                                 \
	X(ALTERNATE, 2, "Alternate (R)")                                                       \
	X(BUSY, 3, "Busy")                                                                     \
	X(CALL_BACK, 4, "Call Back (R)")                                                       \
	X(CALL_CANCELED, 5, "Call Canceled (R)")                                               \
	X(FORWARD_ALWAYS, 6, "Call Forward Always (R)")                                        \
	X(FORWARD_BUSY, 7, "Call Forward Busy (R)")                                            \
	X(FORWARD_NO_ANSWER, 8, "Call Forward No Answer")                                      \
	X(FORWARD, 9, "Call Forward")                                                          \
	X(NOT_ANSWERED, 10, "Call Not Answered")                                               \
	X(PICKUP, 11, "Call Pickup")                                                           \
	X(CAMP_ON, 12, "Camp On")                                                              \
	X(DEST_NOT_AVAILABLE, 13, "Destination Not Available")                                 \
	X(DND, 14, "Do-Not-Disturb")                                                           \
	X(INCOMPATIBLE_DEST, 15, "Incompatible Destination (R)")                               \
	X(INVALID_ACCOUNT, 16, "Invalid Account Code (R)")                                     \
	X(KEY_CONFERENCE, 17, "Key Conference (R)")                                            \
	X(LOCKOUT, 18, "Lockout (R)")                                                          \
	X(MAINTENANCE, 19, "Maintenance (R)")                                                  \
	X(NETWORK_CONGESTION, 20, "Network Congestion (R)")                                    \
	X(NETWORK_NOT_OBTAINABLE, 21, "Network Not Obtainable (R)")                            \
	X(NEW_CALL, 22, "New Call")                                                            \
	X(NO_AVAILABLE_AGENTS, 23, "No Available Agents")                                      \
	X(OVERRIDE, 24, "Override")                                                            \
	X(PARK, 25, "Park (R)")                                                                \
	X(OVERFLOW, 26, "Overflow")                                                            \
	X(RECALL, 27, "Recall")                                                                \
	X(REDIRECTED, 28, "Redirected")                                                        \
	X(REORDER_TONE, 29, "Reorder Tone")                                                    \
	X(RESOURCES_NOT_AVAILABLE, 30, "Resources Not Available")                              \
	X(SILENT_MONITOR, 31, "Silent Monitor")                                                \
	X(TRANSFER, 32, "Transfer")                                                            \
	X(TRUNKS_BUSY, 33, "Trunks Busy")                                                      \
	X(VOICE_UNIT_INITIATOR, 34, "Voice Unit Initiator (R)")                                \
	X(ANSWERED, 35, "Answered")                                                            \
	X(NORMAL_CLEAR, 36, "Normal Clear")                                                    \
	X(HOLD_SYSTEM, 37, "Hold - System")                                                    \
	X(HOLD_FOR_TRANSFER, 38, "Hold For Transfer")                                          \
	X(HOLD_FOR_CONFERENCE, 39, "Hold For Conference")                                      \
	X(TRANSFER_ANNOUNCEMENT, 40, "Transfer Announcement")                                  \
	X(CONFERENCE, 41, "Conference")                                                        \
	X(HOLD_INDIVIDUAL, 42, "Hold - Individual")                                            \
	X(RECORD_A_CALL, 43, "Record-A-Call")                                                  \
	X(CALL_STOLEN, 44, "Call Stolen")

/* Local_Cnx_State (5.4): the value is the letter on the wire.  Blank is OAI_LCS_BLANK (0). */
#define OAI_LCS_LIST(X)                                                                        \
	X(NULL, 'N', "null (not connected to the call)")                                       \
	X(INITIATE, 'I', "initiate (dialtone)")                                                \
	X(ALERTING, 'A', "alerting (ringing)")                                                 \
	X(CONNECTED, 'C', "connected (active)")                                                \
	X(HELD, 'H', "held at this device")                                                    \
	X(FAILED, 'F', "failed (hearing reorder)")                                             \
	X(QUEUED, 'Q', "queued (camped on this device)")

/* Calling / alerting / answering / retrieved device type (5.3). */
#define OAI_PARTY_LIST(X)                                                                      \
	X(INTERNAL, 'I', "internal party")                                                     \
	X(EXTERNAL, 'E', "external party (trunk or outside number)")

/* Monitor_Type for _MS (5.5).  Send 10 and 11, not the library's 160/161. */
#define OAI_MONITOR_LIST(X)                                                                    \
	X(CALL, 0, "Call")                                                                     \
	X(DEVICE, 1, "Device")                                                                 \
	X(CALLS_VIA_DEVICE, 2, "Calls via Device")                                             \
	X(ALL_STATIONS, 3, "All Stations")                                                     \
	X(ALL_TRUNKS, 4, "All Trunks")                                                         \
	X(DEVICE_RESYNC, 5, "Device with Resync")                                              \
	X(ALL_STATIONS_RESYNC, 6, "All Stations with Resync")                                  \
	X(AGENT_ID, 7, "Agent ID")                                                             \
	X(CALL_TERMINATION, 8, "Call Termination")                                             \
	X(ALL_VOICE_MAIL, 9, "All Voice Mail Applications")                                    \
	X(ALL_PRIVATE_TRUNKS, 10, "All Private Network Trunks (reserved)")                     \
	X(SYSTEM, 11, "System")

/* Device_Type (5.6). */
#define OAI_DEVICE_TYPE_LIST(X)                                                                \
	X(KEYSET, 0, "Keyset station")                                                         \
	X(SINGLE_LINE, 1, "Single-line station")                                               \
	X(HUNT_GROUP, 2, "ACD/Hunt group")                                                     \
	X(LOOP_START, 3, "Loop-start trunk")                                                   \
	X(LOOP_START_CID, 4, "Loop-start trunk with Caller ID")                                \
	X(GROUND_START, 5, "Ground-start trunk")                                               \
	X(GROUND_START_CID, 6, "Ground-start trunk with Caller ID")                            \
	X(DID_TRUNK, 7, "DID trunk")                                                           \
	X(EM_TRUNK, 8, "E&M trunk")                                                            \
	X(ISDN_TRUNK, 9, "ISDN trunk (PRI/BRI)")                                               \
	X(TRUNK_GROUP, 10, "Trunk group")                                                      \
	X(OPERATOR, 11, "Operator")                                                            \
	X(VOICE_MAIL, 12, "Voice mail")                                                        \
	X(OTHER, 13, "Other")                                                                  \
	X(FEATURE_CODE, 14, "Feature code")                                                    \
	X(PAGE_ZONE, 15, "Page zone")                                                          \
	X(PAGE_PORT, 16, "Page port")                                                          \
	X(OFF_NODE_KEYSET, 17, "Off-node keyset")                                              \
	X(OFF_NODE_SINGLE_LINE, 18, "Off-node single-line")                                    \
	X(OFF_NODE_HUNT_GROUP, 19, "Off-node hunt group")                                      \
	X(OFF_NODE_PAGE_PORT, 20, "Off-node page port")                                        \
	X(OFF_NODE_PAGE_ZONE, 21, "Off-node page zone")                                        \
	X(OFF_NODE_VOICE_MAIL, 22, "Off-node voice mail")                                      \
	X(ACD_AGENT, 23, "ACD agent")                                                          \
	X(UNASSOCIATED_MAILBOX, 24, "Unassociated mailbox")                                    \
	X(OFF_NODE_MAILBOX, 25, "Off-node unassociated mailbox")                               \
	X(BRI_STATION, 26, "BRI station")                                                      \
	X(OFF_NODE_BRI_STATION, 27, "Off-node BRI station")                                    \
	X(MFC_R2_TRUNK, 28, "MFC/R2 trunk")                                                    \
	X(MODEM, 29, "Modem")                                                                  \
	X(OFF_NODE_MODEM, 30, "Off-node modem")                                                \
	X(MGCP_PHONE, 31, "MGCP phone")                                                        \
	X(MGCP_GATEWAY, 32, "MGCP gateway and phone")                                          \
	X(SIP_TRUNK, 33, "SIP trunk")                                                          \
	X(PHANTOM, 34, "Phantom")                                                              \
	X(SIP_TRANSLATOR, 35, "SIP translator")                                                \
	X(UC_SOFTPHONE, 36, "UC Advanced softphone")                                           \
	X(CONFIG_ASSISTANT, 37, "Configuration Assistant")                                     \
	X(SIP_PHONE, 38, "SIP phone")                                                          \
	X(OFFICELINK_ASSISTANT, 39, "OfficeLink Assistant")                                    \
	X(MEETME_ASSISTANT, 40, "MeetMe Conference Assistant")

/* Hunt_Group_Type (5.7). */
#define OAI_HUNT_TYPE_LIST(X)                                                                  \
	X(UCD, 0, "UCD hunt group")                                                            \
	X(ACD, 1, "ACD without agent IDs")                                                     \
	X(ACD_AGENT_IDS, 2, "ACD with agent IDs")                                              \
	X(PERSONAL_ROUTER, 3, "Personal Router Device")

/* ACD/UCD_Mode of _QH and Agent_Mode of _QA (5.8; _QA uses 0-3). */
#define OAI_AGENT_MODE_LIST(X)                                                                 \
	X(LOGGED_OUT, 0, "not logged in")                                                      \
	X(READY, 1, "logged in, ready")                                                        \
	X(NOT_READY, 2, "logged in, not ready")                                                \
	X(WORK_NOT_READY, 3, "logged in, work-not-ready")                                      \
	X(UCD_READY, 4, "UCD ready")                                                           \
	X(UCD_BUSY, 5, "UCD busy")

/* Agent_State of _SA (5.8). */
#define OAI_AGENT_STATE_LIST(X)                                                                \
	X(LOG_OUT, 0, "log out")                                                               \
	X(LOG_IN, 1, "log in")                                                                 \
	X(READY, 2, "ready (ends wrap-up)")                                                    \
	X(NOT_READY, 3, "not ready (indefinite wrap-up)")                                      \
	X(WORK_READY, 4, "work ready (= 2)")                                                   \
	X(WORK_NOT_READY, 5, "work not ready (= 3)")

/* Forward_Type (5.11; partial, the manual's table is not available). */
#define OAI_FORWARD_LIST(X)                                                                    \
	X(ALL, 'I', "forward all (immediate)")                                                 \
	X(BUSY, 'B', "forward if busy")                                                        \
	X(NONE, 'N', "no forward (off)")

/* LS Reason_Code (5.12). */
#define OAI_LINK_REASON_LIST(X)                                                                \
	X(UNKNOWN, 0, "unknown")                                                               \
	X(RS232_FAILURE, 1, "RS-232 failure")                                                  \
	X(RS232_RECONNECT, 2, "RS-232 reconnect")                                              \
	X(TCPIP_FAILURE, 3, "TCP/IP failure")                                                  \
	X(TCPIP_RECONNECT, 4, "TCP/IP reconnect")                                              \
	X(NODE_ADDED, 5, "node added")                                                         \
	X(NODE_DELETED, 6, "node deleted")                                                     \
	X(TIMED_OUT, 7, "timed out")

/* _QX List_Type (5.9): X(NAME, value, "key field", "meaning"). */
#define OAI_QX_LIST(X)                                                                         \
	X(STATION, 1, "Extension", "Station")                                                  \
	X(TRUNK, 2, "Extension", "Trunk")                                                      \
	X(HUNT_GROUP, 3, "Extension", "Hunt group")                                            \
	X(TRUNK_GROUP, 4, "Extension", "Trunk group")                                          \
	X(PAGE_ZONE, 5, "Extension", "Page zone")                                              \
	X(PAGE_PORT, 6, "Extension", "Page port")                                              \
	X(MAILBOX, 7, "Mailbox_Number", "Unassociated voice mailbox")                          \
	X(FEATURE, 8, "Feature_Code", "Feature")                                               \
	X(SPEED_DIAL, 9, "Bin_Number", "Speed-dial bin")                                       \
	X(DND_MESSAGE, 10, "Number", "DND message")                                            \
	X(REMINDER, 11, "Number", "Reminder message")                                          \
	X(VOICE_MAIL_APP, 12, "Extension", "Voice-mail application")                           \
	X(PN_TRUNK, 13, "Extension", "Private-networking trunk")                               \
	X(PN_TRUNK_GROUP, 14, "Extension", "Private-networking trunk group")                   \
	X(OFF_NODE, 15, "Node:Extension", "Off-node device")                                   \
	X(COS_FLAG, 16, "Flag_Number", "System COS flag")                                      \
	X(ACD_AGENT, 17, "Agent_ID", "ACD agent")                                              \
	X(NODE_DATA, 18, "Network_Node_Number", "Node data")                                   \
	X(NETWORK_INFO, 19, "Node", "Network information")                                     \
	X(IP_CONNECTION, 20, "Extension", "IPRC and IP connections")                           \
	X(USER, 21, "Main_Extension", "User")                                                  \
	X(ASSISTANT, 22, "Extension", "Assistant")

/*
 * _QX Entity_Field_Mask bits (5.9): X(LIST, NAME, bit, "Wire_Name", TYPE).  The mask constant is
 * OAI_QXM_<LIST>_<NAME>.  Names and descriptions are TEXT throughout: oai.md shows the bars on
 * some of them only, and the decoder strips bars wherever they are.
 */
#define OAI_QX_FIELD_LIST(X)                                                                   \
	X(STATION, USERNAME, 0, "Username", TEXT)                                              \
	X(STATION, DESCRIPTION, 1, "Description", TEXT)                                        \
	X(STATION, ATTENDANT, 2, "Attendant", EXT)                                             \
	X(STATION, IS_ADMIN, 3, "Is_An_Administrator", INT)                                    \
	X(STATION, IS_ATTENDANT, 4, "Is_An_Attendant", INT)                                    \
	X(STATION, DAY_COS, 5, "Day_COS_Flags", HEX)                                           \
	X(STATION, NIGHT_COS, 6, "Night_COS_Flags", HEX)                                       \
	X(STATION, VOICE_MAIL_EXT, 7, "Voice_Mail_Extension", EXT)                             \
	X(STATION, DEVICE_TYPE, 8, "Device_Type", INT)                                         \
	X(STATION, MAILBOX_NODE, 9, "Mailbox_Node_Number", INT)                                \
	X(STATION, PHYSICAL_TYPE, 10, "Physical_Device_Type", INT)                             \
	X(TRUNK, USERNAME, 0, "Username", TEXT)                                                \
	X(TRUNK, DESCRIPTION, 1, "Description", TEXT)                                          \
	X(TRUNK, ANSWER_SUPERVISION, 2, "Answer_Supervision_Type", INT)                        \
	X(HUNT_GROUP, USERNAME, 0, "Username", TEXT)                                           \
	X(HUNT_GROUP, DESCRIPTION, 1, "Description", TEXT)                                     \
	X(HUNT_GROUP, TYPE, 2, "Hunt_Group_Type", INT)                                         \
	X(HUNT_GROUP, MEMBERS, 3, "Number_Of_Members", INT)                                    \
	X(HUNT_GROUP, MAILBOX_NODE, 4, "Mailbox_Node_Number", INT)                             \
	X(TRUNK_GROUP, USERNAME, 0, "Username", TEXT)                                          \
	X(TRUNK_GROUP, DESCRIPTION, 1, "Description", TEXT)                                    \
	X(TRUNK_GROUP, MEMBERS, 2, "Number_Of_Members", INT)                                   \
	X(PAGE_ZONE, USERNAME, 0, "Username", TEXT)                                            \
	X(PAGE_ZONE, DESCRIPTION, 1, "Description", TEXT)                                      \
	X(PAGE_ZONE, MEMBERS, 2, "Number_Of_Members", INT)                                     \
	X(PAGE_PORT, USERNAME, 0, "Username", TEXT)                                            \
	X(PAGE_PORT, DESCRIPTION, 1, "Description", TEXT)                                      \
	X(MAILBOX, USERNAME, 0, "Username", TEXT)                                              \
	X(MAILBOX, DESCRIPTION, 1, "Description", TEXT)                                        \
	X(FEATURE, NUMBER, 0, "Feature_Number", INT)                                           \
	X(FEATURE, NAME, 1, "Feature_Name", TEXT)                                              \
	X(FEATURE, IS_ADMIN, 2, "Is_Administrator", INT)                                       \
	X(FEATURE, IS_DIRECTORY, 3, "Is_Directory", INT)                                       \
	X(FEATURE, IS_DIAGNOSTIC, 4, "Is_Diagnostic", INT)                                     \
	X(FEATURE, IS_TOGGLEABLE, 5, "Is_Toggleable", INT)                                     \
	X(SPEED_DIAL, CONTENTS, 0, "Bin_Contents", FREE)                                       \
	X(SPEED_DIAL, NAME, 1, "Bin_Name", TEXT)                                               \
	X(DND_MESSAGE, TEXT, 0, "DND_Message_Text", TEXT)                                      \
	X(REMINDER, TEXT, 0, "Reminder_Message_Text", TEXT)                                    \
	X(VOICE_MAIL_APP, USERNAME, 0, "Username", TEXT)                                       \
	X(VOICE_MAIL_APP, DESCRIPTION, 1, "Description", TEXT)                                 \
	X(VOICE_MAIL_APP, APP_TYPE, 2, "Application_Type", INT)                                \
	X(PN_TRUNK, USERNAME, 0, "Username", TEXT)                                             \
	X(PN_TRUNK, DESCRIPTION, 1, "Description", TEXT)                                       \
	X(PN_TRUNK_GROUP, USERNAME, 0, "Username", TEXT)                                       \
	X(PN_TRUNK_GROUP, DESCRIPTION, 1, "Description", TEXT)                                 \
	X(PN_TRUNK_GROUP, MEMBERS, 2, "Number_Of_Members", INT)                                \
	X(OFF_NODE, DEVICE_TYPE, 0, "Device_Type", INT)                                        \
	X(OFF_NODE, USERNAME, 1, "Username", TEXT)                                             \
	X(OFF_NODE, DESCRIPTION, 2, "Description", TEXT)                                       \
	X(OFF_NODE, MAILBOX_NODE, 3, "Mailbox_Node_Number", INT)                               \
	X(COS_FLAG, DESCRIPTION, 0, "Description", TEXT)                                       \
	X(ACD_AGENT, DESCRIPTION, 0, "Description", TEXT)                                      \
	X(NODE_DATA, DESCRIPTION, 0, "Description", TEXT)                                      \
	X(NODE_DATA, NETWORKING, 1, "Networking_Enabled", INT)                                 \
	X(NODE_DATA, PROTOCOL_VERSION, 2, "Protocol_Version", FREE)                            \
	X(NODE_DATA, KSU_VERSION, 3, "KSU_SW_Version", FREE)                                   \
	X(NODE_DATA, PREMIUM_STATUS, 4, "Premium_Feature_Status", INT)                         \
	X(NODE_DATA, COUNTRY, 5, "Country_Code", INT)                                          \
	X(NODE_DATA, TCPIP, 6, "TCPIP_Indicator", INT)                                         \
	X(NODE_DATA, VOICE_MAIL_STATUS, 7, "Voice_Mail_Status", INT)                           \
	X(NODE_DATA, MAX_CONF_PARTIES, 8, "Max_Parties_in_Conference", INT)                    \
	X(NETWORK_INFO, DESCRIPTION, 0, "Node_Description", TEXT)                              \
	X(NETWORK_INFO, IP_ADDRESS, 1, "IP_Address", TEXT)                                     \
	X(NETWORK_INFO, TCP_PORT, 2, "TCP_Port", INT)                                          \
	X(NETWORK_INFO, REDUNDANT_IP, 3, "Redundant_IP", TEXT)                                 \
	X(NETWORK_INFO, REDUNDANT_PORT, 4, "Redundant_TCP_Port", INT)                          \
	X(NETWORK_INFO, OAI_ENABLED, 5, "System_OAI_Sockets_Enabled", INT)                     \
	X(NETWORK_INFO, MAX_OAI_SOCKETS, 6, "Max_System_OAI_Sockets", INT)                     \
	X(NETWORK_INFO, PROTOCOL_VERSION, 7, "Protocol_Version", FREE)                         \
	X(NETWORK_INFO, KSU_VERSION, 8, "KSU_SW_Version", FREE)                                \
	X(NETWORK_INFO, PREMIUM_STATUS, 9, "Premium_Feature_Status", INT)                      \
	X(IP_CONNECTION, USERNAME, 0, "Username", TEXT)                                        \
	X(IP_CONNECTION, DESCRIPTION, 1, "Description", TEXT)                                  \
	X(USER, FIRST_NAME, 0, "First_Name", TEXT)                                             \
	X(USER, LAST_NAME, 1, "Last_Name", TEXT)                                               \
	X(USER, EMAIL, 2, "Email", TEXT)                                                       \
	X(USER, LOGIN, 3, "Login", TEXT)                                                       \
	X(USER, CALL_ROUTING, 4, "Is_Personal_Call_Routing_Enabled", INT)                      \
	X(USER, MOBILE_EMAIL, 5, "Mobile_Email_Address", TEXT)                                 \
	X(ASSISTANT, USERNAME, 0, "Username", TEXT)                                            \
	X(ASSISTANT, DESCRIPTION, 1, "Description", TEXT)                                      \
	X(ASSISTANT, DEVICE_TYPE, 2, "Device_Type", INT)

/* ---- the enums -------------------------------------------------------------------------- */

enum oai_type {
#define OAI__X(name, text) OAI_T_##name,
	OAI_TYPE_LIST(OAI__X)
#undef OAI__X
	OAI_T__COUNT
};

/* OAI_F_NONE is never a field of a message; ids start at 1. */
enum oai_field {
	OAI_F_NONE,
#define OAI__X(id, wire, type) OAI_F_##id,
	OAI_FIELD_LIST(OAI__X)
#undef OAI__X
	OAI_F__COUNT
};

enum oai_category {
#define OAI__X(name, text) OAI_CAT_##name,
	OAI_CATEGORY_LIST(OAI__X)
#undef OAI__X
	OAI_CAT__COUNT
};

/* OAI_EV_NONE: the message is not an event, or its code is unknown. */
enum oai_event {
	OAI_EV_NONE,
#define OAI__X(id, wire, cat, name, sch) OAI_EV_##id,
	OAI_EVENT_LIST(OAI__X)
#undef OAI__X
	OAI_EV__COUNT
};

/* OAI_CMD_NONE: the message is neither a command nor a CF, or its code is unknown. */
enum oai_cmd {
	OAI_CMD_NONE,
#define OAI__X(id, wire, name, args, cf) OAI_CMD_##id,
	OAI_CMD_LIST(OAI__X)
#undef OAI__X
	OAI_CMD__COUNT
};

enum oai_outcome {
#define OAI__X(name, value, text) OAI_OUTCOME_##name = (value),
	OAI_OUTCOME_LIST(OAI__X)
#undef OAI__X
};

enum oai_cause {
#define OAI__X(name, value, text) OAI_CAUSE_##name = (value),
	OAI_CAUSE_LIST(OAI__X)
#undef OAI__X
};

enum oai_lcs {
	OAI_LCS_BLANK = 0,
#define OAI__X(name, value, text) OAI_LCS_##name = (value),
	OAI_LCS_LIST(OAI__X)
#undef OAI__X
};

enum oai_party {
	OAI_PARTY_BLANK = 0,
#define OAI__X(name, value, text) OAI_PARTY_##name = (value),
	OAI_PARTY_LIST(OAI__X)
#undef OAI__X
};

enum oai_monitor {
#define OAI__X(name, value, text) OAI_MONITOR_##name = (value),
	OAI_MONITOR_LIST(OAI__X)
#undef OAI__X
};

enum oai_device_type {
#define OAI__X(name, value, text) OAI_DEVTYPE_##name = (value),
	OAI_DEVICE_TYPE_LIST(OAI__X)
#undef OAI__X
};

enum oai_hunt_type {
#define OAI__X(name, value, text) OAI_HUNT_##name = (value),
	OAI_HUNT_TYPE_LIST(OAI__X)
#undef OAI__X
};

enum oai_agent_mode {
#define OAI__X(name, value, text) OAI_AGENT_MODE_##name = (value),
	OAI_AGENT_MODE_LIST(OAI__X)
#undef OAI__X
};

enum oai_agent_state {
#define OAI__X(name, value, text) OAI_AGENT_STATE_##name = (value),
	OAI_AGENT_STATE_LIST(OAI__X)
#undef OAI__X
};

enum oai_forward {
#define OAI__X(name, value, text) OAI_FORWARD_##name = (value),
	OAI_FORWARD_LIST(OAI__X)
#undef OAI__X
};

enum oai_link_reason {
#define OAI__X(name, value, text) OAI_LINK_##name = (value),
	OAI_LINK_REASON_LIST(OAI__X)
#undef OAI__X
};

enum oai_qx_list {
#define OAI__X(name, value, key, text) OAI_QXL_##name = (value),
	OAI_QX_LIST(OAI__X)
#undef OAI__X
	OAI_QXL__MAX = 22
};

/* Entity_Field_Mask bits: OAI_QXM_STATION_USERNAME = 0x001, ... */
enum oai_qx_mask {
#define OAI__X(list, name, bit, wire, type) OAI_QXM_##list##_##name = (1u << (bit)),
	OAI_QX_FIELD_LIST(OAI__X)
#undef OAI__X
};

/* The enumerations that oai_enum_name() and oai_enum_text() know. */
enum oai_enum {
	OAI_ENUM_OUTCOME,
	OAI_ENUM_CAUSE,
	OAI_ENUM_LCS,
	OAI_ENUM_PARTY,
	OAI_ENUM_MONITOR,
	OAI_ENUM_DEVICE_TYPE,
	OAI_ENUM_HUNT_TYPE,
	OAI_ENUM_AGENT_MODE,
	OAI_ENUM_AGENT_STATE,
	OAI_ENUM_FORWARD,
	OAI_ENUM_LINK_REASON,
	OAI_ENUM_QX_LIST,
	OAI_ENUM__COUNT
};

#endif
