export { type CalendarApi, type CalendarEvent, createCalendarApi } from './calendar-api.js';
export { createTodoServer, type TodoServer, type TodoServerOptions } from './server.js';
export { type Todo, TodoStore } from './store.js';
export {
  buildTodoMcpServer,
  CALENDAR_SCOPE,
  type CalendarAccess,
  SCOPE_HIERARCHY,
  SCOPE_POLICY,
  SCOPES,
} from './tools.js';
