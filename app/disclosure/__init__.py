"""The public C list (Art 14) and credit repair (信用修复, 国家发展改革委令第36号)."""
