export { createTodoServer, type TodoServer, type TodoServerOptions } from './server.js';
export { type Todo, TodoStore } from './store.js';
export { buildTodoMcpServer, SCOPE_HIERARCHY, SCOPE_POLICY, SCOPES } from './tools.js';
