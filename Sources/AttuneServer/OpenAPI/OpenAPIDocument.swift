/// The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`.
///
/// Kept beside the code and checked by a test against every route the router has, in both
/// directions, so it cannot silently drift.
package enum OpenAPIDocument {
    package static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Attune", "version": "0.1.0",
               "description": "Self-hosted personalization engine: events, catalogue, recommendations."},
      "security": [{"bearer": []}],
      "paths": {
        "/healthz": {"get": {"summary": "Liveness", "security": [],
          "responses": {"200": {"description": "Up", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "security": [],
          "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "security": [],
          "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/v1/events": {"post": {"summary": "Send one event or a batch (write scope)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/EventInput"},
            {"type": "object", "required": ["batch"], "additionalProperties": false,
             "properties": {"batch": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/EventInput"}}}}]}}}},
          "responses": {"200": {"description": "Stored (durably) or counted as duplicates", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestReport"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
        "/v1/identify": {"post": {"summary": "Link an anonymous id to a user and merge traits (write scope)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["userId"],
            "additionalProperties": false, "properties": {"userId": {"$ref": "#/components/schemas/Identifier"},
            "anonymousId": {"$ref": "#/components/schemas/Identifier"}, "traits": {"type": "object"},
            "timestamp": {"$ref": "#/components/schemas/TimestampInput"}}}}}},
          "responses": {"200": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/items": {
          "get": {"summary": "List items by id (read scope)", "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit"}],
            "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"type": "object", "required": ["items", "nextCursor"],
              "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}, "nextCursor": {"type": ["string", "null"]}}}}}},
              "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}},
          "post": {"summary": "Upsert up to 1,000 items (admin scope)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["items"], "additionalProperties": false,
              "properties": {"items": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/ItemInput"}}}}}}},
            "responses": {"200": {"description": "Upserted, with rejected items by index", "content": {"application/json": {"schema": {"type": "object",
              "properties": {"received": {"type": "integer"}, "upserted": {"type": "integer"}, "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/Rejection"}}}}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/items/{id}": {
          "parameters": [{"$ref": "#/components/parameters/PathID"}],
          "get": {"summary": "One item (read scope)", "responses": {"200": {"description": "The item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}},
          "put": {"summary": "Create (201) or replace (200) an item (admin scope)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemInput"}}}},
            "responses": {"200": {"description": "Replaced", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Mark an item unavailable (admin scope)", "responses": {"200": {"description": "Marked", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/items/{id}/similar": {"get": {"summary": "Similar items from the served model (read scope)",
          "parameters": [{"$ref": "#/components/parameters/PathID"}, {"$ref": "#/components/parameters/Count"}, {"$ref": "#/components/parameters/Exclude"},
            {"$ref": "#/components/parameters/Category"}, {"$ref": "#/components/parameters/AvailableOnly"}],
          "responses": {"200": {"description": "Similar items", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecommendationList"}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/users/{id}/events": {"get": {"summary": "A user's events, including linked anonymous ids (admin scope)",
          "parameters": [{"$ref": "#/components/parameters/PathID"}, {"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit"}],
          "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"type": "object", "required": ["events", "nextCursor"],
            "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}, "nextCursor": {"type": ["string", "null"]}}}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/users/{id}/recommendations": {"get": {"summary": "Recommendations for a user (read scope)",
          "parameters": [{"$ref": "#/components/parameters/PathID"}, {"$ref": "#/components/parameters/Count"}, {"$ref": "#/components/parameters/Exclude"},
            {"$ref": "#/components/parameters/Category"}, {"$ref": "#/components/parameters/AvailableOnly"},
            {"name": "strategy", "in": "query", "schema": {"type": "string", "enum": ["default"]}}],
          "responses": {"200": {"description": "Recommendations", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecommendationList"}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/recommendations": {"post": {"summary": "Recommendations for up to 1,000 users (read scope)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["users"], "additionalProperties": false,
            "properties": {"users": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/Identifier"}},
              "count": {"type": "integer", "minimum": 1, "maximum": 100}, "exclude": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/Identifier"}},
              "category": {"type": "string"}, "availableOnly": {"type": "boolean"}}}}}},
          "responses": {"200": {"description": "One list per valid user", "content": {"application/json": {"schema": {"type": "object",
            "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/RecommendationList"}}, "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/Rejection"}}}}}}},
            "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
            "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/stats": {"get": {"summary": "Counts for the key's workspace (admin scope)",
          "responses": {"200": {"description": "Counts", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "workspace": {"type": "string"}, "events": {"type": "integer"}, "users": {"type": "integer"}, "anonymousVisitors": {"type": "integer"},
            "items": {"type": "integer"}, "availableItems": {"type": "integer"}}}}}},
            "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}}
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API key: write, read or admin scope."}},
        "parameters": {
          "PathID": {"name": "id", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/Identifier"}},
          "Cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "From the previous page's nextCursor."},
          "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
          "Count": {"name": "count", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
          "Exclude": {"name": "exclude", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated item ids."},
          "Category": {"name": "category", "in": "query", "schema": {"type": "string"}},
          "AvailableOnly": {"name": "available_only", "in": "query", "schema": {"type": "boolean", "default": true}}
        },
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
          "Identifier": {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 256}, {"type": "integer"}]},
          "TimestampInput": {"oneOf": [{"type": "string", "description": "ISO-8601"}, {"type": "integer", "description": "epoch milliseconds"}]},
          "ErrorBody": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}},
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}}},
          "Rejection": {"type": "object", "required": ["index", "error"], "properties": {"index": {"type": "integer"}, "error": {"$ref": "#/components/schemas/ErrorBody"}}},
          "EventInput": {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {
            "id": {"type": "string", "format": "uuid"}, "type": {"type": "string", "minLength": 1, "maxLength": 64},
            "userId": {"$ref": "#/components/schemas/Identifier"}, "anonymousId": {"$ref": "#/components/schemas/Identifier"},
            "sessionId": {"$ref": "#/components/schemas/Identifier"}, "itemId": {"$ref": "#/components/schemas/Identifier"},
            "value": {"type": "number"}, "properties": {"type": "object"}, "context": {"type": "object"},
            "timestamp": {"$ref": "#/components/schemas/TimestampInput"}}},
          "Event": {"type": "object", "required": ["id", "sequence", "type", "timestamp", "receivedAt"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "sequence": {"type": "integer"}, "type": {"type": "string"},
            "userId": {"type": "string"}, "anonymousId": {"type": "string"}, "sessionId": {"type": "string"}, "itemId": {"type": "string"},
            "value": {"type": "number"}, "properties": {"type": "object"}, "context": {"type": "object"},
            "timestamp": {"type": "string", "format": "date-time"}, "receivedAt": {"type": "string", "format": "date-time"}}},
          "IngestReport": {"type": "object", "required": ["received", "accepted", "duplicates", "rejected", "ids"], "properties": {
            "received": {"type": "integer"}, "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
            "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/Rejection"}},
            "ids": {"type": "array", "items": {"type": "string", "format": "uuid"}}, "error": {"$ref": "#/components/schemas/ErrorBody"}}},
          "ItemInput": {"type": "object", "additionalProperties": false, "properties": {
            "id": {"$ref": "#/components/schemas/Identifier"}, "title": {"type": "string", "maxLength": 1000}, "description": {"type": "string"},
            "categories": {"type": "array", "maxItems": 100, "items": {"type": "string"}}, "tags": {"type": "array", "maxItems": 100, "items": {"type": "string"}},
            "properties": {"type": "object"}, "available": {"type": "boolean"}}},
          "Item": {"type": "object", "required": ["id", "categories", "tags", "properties", "available", "createdAt", "updatedAt"], "properties": {
            "id": {"type": "string"}, "title": {"type": ["string", "null"]}, "description": {"type": ["string", "null"]},
            "categories": {"type": "array", "items": {"type": "string"}}, "tags": {"type": "array", "items": {"type": "string"}},
            "properties": {"type": "object"}, "available": {"type": "boolean"},
            "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}}},
          "RecommendationList": {"type": "object", "required": ["strategy", "modelVersion", "items"], "properties": {
            "userId": {"type": "string"}, "itemId": {"type": "string"}, "strategy": {"type": "string"}, "modelVersion": {"type": ["integer", "null"]},
            "items": {"type": "array", "items": {"type": "object", "required": ["itemId", "score", "reason"], "properties": {
              "itemId": {"type": "string"}, "score": {"type": "number"}, "reason": {"type": "string"}}}}}}
        }
      }
    }
    """#
}
