"""In-memory stand-ins for the gateway's adapters: the Store (store.py) and the SQS outbox
(queues.py). tests/contract_store holds the fake Store to the DynamoDB one."""
